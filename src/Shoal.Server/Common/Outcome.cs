namespace Shoal.Server.Common;

/// <summary>Why an operation did not happen, in words for the person who asked.</summary>
internal abstract record Failure(int Status, string Title, string? Detail = null);

/// <summary>Input was refused; each entry names the field and says what is wrong with it.</summary>
internal sealed record InvalidInput(FieldErrors Errors) : Failure(StatusCodes.Status400BadRequest, "Some fields are not valid.");

internal sealed record Missing(string What) : Failure(StatusCodes.Status404NotFound, $"{What} not found.");

internal sealed record Refused(int Code, string Why, string? Hint = null) : Failure(Code, Why, Hint);

/// <summary>Either a value or a failure.</summary>
internal readonly record struct Outcome<T>(T? Value, Failure? Failure)
{
    public bool Succeeded => Failure is null;

    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(Failure failure) => new(default, failure);
}

/// <summary>Too many attempts; the caller may try again after <paramref name="RetryAfter"/>.</summary>
internal sealed record Throttled(TimeSpan RetryAfter) : Failure(
    StatusCodes.Status429TooManyRequests,
    "Too many failed attempts.",
    $"Try again in {Math.Ceiling(RetryAfter.TotalSeconds)} seconds.");
