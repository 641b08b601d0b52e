using Microsoft.AspNetCore.Mvc.ModelBinding;
using Shoal.Server.Common;

namespace Shoal.Server.Portal;

internal static class PortalFailures
{
    /// <summary>Puts a domain failure into model state: field errors under their camelCase names, anything else under "".</summary>
    public static void AddTo(this Failure failure, ModelStateDictionary state)
    {
        ArgumentNullException.ThrowIfNull(failure);
        ArgumentNullException.ThrowIfNull(state);
        if (failure is InvalidInput invalid)
        {
            foreach (var (field, messages) in invalid.Errors)
            {
                foreach (var message in messages)
                {
                    state.AddModelError(field, message);
                }
            }
            return;
        }
        state.AddModelError("", failure.Message());
    }

    /// <summary>The failure as one sentence or two: what happened, then what to do.</summary>
    public static string Message(this Failure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure.Detail is null ? failure.Title : $"{failure.Title} {failure.Detail}";
    }

    /// <summary>
    /// Model binding errors (a number that is not a number) would otherwise sit under keys the form does not show;
    /// the domain speaks for every rule, so they are dropped and the domain checks the default value instead.
    /// </summary>
    public static void ClearBindingErrors(this ModelStateDictionary state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Clear();
    }
}
