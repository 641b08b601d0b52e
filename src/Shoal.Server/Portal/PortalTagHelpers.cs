using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;

namespace Shoal.Server.Portal;

/// <summary>Renders the validation messages the domain returned for one field, next to its input.</summary>
[HtmlTargetElement("field-error", Attributes = "name", TagStructure = TagStructure.WithoutEndTag)]
public sealed class FieldErrorTagHelper : TagHelper
{
    /// <summary>The field's camelCase name, as the domain's FieldErrors and the input spell it.</summary>
    public string Name { get; set; } = "";

    [ViewContext, HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var entry = ViewContext.ViewData.ModelState[Name];
        if (entry is null || entry.Errors.Count == 0)
        {
            output.SuppressOutput();
            return;
        }
        output.TagName = "p";
        output.TagMode = TagMode.StartTagAndEndTag;
        output.Attributes.SetAttribute("class", "field-error");
        output.Attributes.SetAttribute("id", Name + "-error");
        output.Content.SetContent(string.Join(" ", entry.Errors.Select(e => e.ErrorMessage)));
    }
}

/// <summary>Renders failures that belong to no single field (quota reached, refused, throttled) as one alert above a form.</summary>
[HtmlTargetElement("form-alert", TagStructure = TagStructure.WithoutEndTag)]
public sealed class FormAlertTagHelper : TagHelper
{
    [ViewContext, HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var state = ViewContext.ViewData.ModelState;
        var general = state[""]?.Errors.Select(e => e.ErrorMessage).ToList() ?? [];
        if (general.Count == 0 && state.IsValid)
        {
            output.SuppressOutput();
            return;
        }
        output.TagName = "div";
        output.TagMode = TagMode.StartTagAndEndTag;
        output.Attributes.SetAttribute("class", "alert alert-error");
        output.Attributes.SetAttribute("role", "alert");
        output.Attributes.SetAttribute("id", "form-alert");
        output.Content.SetContent(general.Count > 0 ? string.Join(" ", general) : "Some fields need your attention; see the messages below.");
    }
}

/// <summary>Marks an input whose field has errors as invalid and points it at its message, for screen readers.</summary>
[HtmlTargetElement("input", Attributes = "name")]
[HtmlTargetElement("select", Attributes = "name")]
[HtmlTargetElement("textarea", Attributes = "name")]
public sealed class InvalidFieldTagHelper : TagHelper
{
    [ViewContext, HtmlAttributeNotBound]
    public ViewContext ViewContext { get; set; } = null!;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(output);
        if (context.AllAttributes["name"]?.Value?.ToString() is not { Length: > 0 } name
            || ViewContext.ViewData.ModelState[name] is not { Errors.Count: > 0 }
            || context.AllAttributes["type"]?.Value?.ToString() == "hidden")
        {
            return;
        }
        output.Attributes.SetAttribute("aria-invalid", "true");
        var described = output.Attributes["aria-describedby"]?.Value?.ToString();
        output.Attributes.SetAttribute("aria-describedby", string.IsNullOrEmpty(described) ? name + "-error" : $"{described} {name}-error");
    }
}
