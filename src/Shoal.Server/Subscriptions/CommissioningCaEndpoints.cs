using Microsoft.AspNetCore.Http.HttpResults;
using Shoal.Delivery;
using Shoal.Server.Common;

namespace Shoal.Server.Subscriptions;

/// <summary>A PKCS#10 certificate signing request of an NA's test server, PEM.</summary>
public sealed record CommissioningCertificateRequest(string? Csr);

/// <summary>The issued server certificate followed by the commissioning CA's, PEM: what the NA's test server presents.</summary>
public sealed record CommissioningCertificateResponse(string Certificate, DateTimeOffset NotAfter);

/// <summary>The commissioning CA, for testing HTTPS pushes only: its certificate, and server certificates it signs for NAs.</summary>
internal static class CommissioningCaEndpoints
{
    public static IEndpointRouteBuilder MapCommissioningCa(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/commissioning-ca").WithTags("Push");
        group.MapGet("/ca.pem", Certificate).WithName("GetCommissioningCa")
            .WithSummary("The commissioning CA's certificate (PEM), trusted by applications that chose it. Testing only.");
        group.MapPost("/certificates", Issue).WithName("IssueCommissioningCertificate")
            .WithSummary("Signs an NA test server's certificate request with the commissioning CA. Testing only.");
        return routes;
    }

    private static ContentHttpResult Certificate(CommissioningCa ca, CancellationToken cancellationToken) =>
        TypedResults.Text(ca.Pem, "application/x-pem-file");

    private static Results<Ok<CommissioningCertificateResponse>, ProblemHttpResult> Issue(
        CommissioningCa ca, TimeProvider time, CommissioningCertificateRequest request, CancellationToken cancellationToken)
    {
        var issued = ca.Issue(request.Csr, time.GetUtcNow());
        return issued.Error is null
            ? TypedResults.Ok(new CommissioningCertificateResponse(issued.CertificatePem!, issued.NotAfter))
            : new InvalidInput(FieldErrors.Of("csr", issued.Error)).ToProblem();
    }
}
