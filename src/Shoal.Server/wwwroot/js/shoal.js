// Progressive enhancements only: every page works without this file.
(() => {
  "use strict";

  // A dialog rendered open becomes modal, so the one-time secret has the reader's full attention.
  for (const dialog of document.querySelectorAll("dialog[data-modal][open]")) {
    dialog.close();
    dialog.setAttribute("data-upgraded", "");
    dialog.showModal();
    dialog.addEventListener("cancel", (event) => event.preventDefault());
  }

  document.addEventListener("click", (event) => {
    const cancel = event.target.closest("[data-close-details]");
    if (cancel) {
      event.preventDefault();
      cancel.closest("details").open = false;
    }
  });

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const text = document.getElementById(button.dataset.copy)?.textContent ?? "";
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const range = document.createRange();
      range.selectNodeContents(document.getElementById(button.dataset.copy));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      document.execCommand("copy");
    }
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  });

  // Saving the secret happens in the browser: it never goes back to the server.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.matches("form[data-secret-file]")) {
      event.preventDefault();
      const values = (name) => [...form.querySelectorAll(`input[name="${name}"]`)].map((input) => input.value);
      const labels = values("label");
      const text = `${form.elements.heading.value}\n` + values("value").map((value, i) => `${labels[i]}: ${value}\n`).join("");
      const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = form.elements.fileName.value;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      return;
    }
    if (form.dataset.confirm && !confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // A select that offers values for a text input fills it in: data-fills="<input id>".
  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-fills]");
    if (select && select.value) {
      document.getElementById(select.dataset.fills).value = select.value;
    }
  });

  // Show a part of a form only when the choice it depends on is made: data-show-when="name=value".
  const dependents = [...document.querySelectorAll("[data-show-when]")];
  const refresh = () => {
    for (const element of dependents) {
      const [name, expected] = element.dataset.showWhen.split("=");
      const inputs = [...document.getElementsByName(name)];
      const current = inputs.find((i) => (i.type === "radio" || i.type === "checkbox") ? i.checked : true);
      const actual = current ? (current.type === "checkbox" ? String(current.checked) : current.value) : "";
      element.hidden = actual !== expected;
    }
  };
  if (dependents.length) {
    document.addEventListener("change", refresh);
    refresh();
  }

  for (const area of document.querySelectorAll("textarea[data-counter]")) {
    const counter = document.getElementById(area.dataset.counter);
    const update = () => { counter.textContent = `${area.value.length} / ${area.maxLength}`; };
    area.addEventListener("input", update);
    update();
  }

  // A chooser that only narrows the form below submits itself; without script it has its own button.
  document.addEventListener("change", (event) => {
    if (event.target.matches("select[data-auto-submit]")) event.target.form.requestSubmit();
  });
})();
