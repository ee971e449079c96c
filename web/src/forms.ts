// Submitting a form to the API and showing what the server refused next to the field it names.
// The error's `target` is an ARM property path ("galleryImage.properties.recommended.vCPUs");
// fields carry the path they edit in data-target, without the body's root name.

import { ArmError } from "./api.js";
import { h } from "./dom.js";

export async function submit(form: HTMLFormElement, action: () => Promise<void>): Promise<void> {
  for (const error of form.querySelectorAll(".field-error, .form-error")) error.remove();
  for (const invalid of form.querySelectorAll("[aria-invalid]")) {
    invalid.removeAttribute("aria-invalid");
    invalid.removeAttribute("aria-describedby");
  }
  const button = form.querySelector<HTMLButtonElement>("button[type=submit]");
  if (button) button.disabled = true;
  try {
    await action();
  } catch (error) {
    show(form, error instanceof ArmError ? error : new ArmError(0, "Error", String(error)));
  } finally {
    if (button) button.disabled = false;
  }
}

function show(form: HTMLFormElement, error: ArmError): void {
  const field = error.target ? fieldFor(form, error.target) : undefined;
  const message = h("p", { class: field ? "field-error" : "form-error", role: "alert", id: `${form.id || "form"}-error` }, `${error.code}: ${error.message}`);
  if (!field) {
    form.prepend(message);
    return;
  }
  field.setAttribute("aria-invalid", "true");
  field.setAttribute("aria-describedby", message.id);
  (field.closest(".field") ?? field).after(message);
  field.focus();
}

/** The field whose path is the longest prefix of the error's target, else the first field inside it
 * (a refusal of `recommended.vCPUs` as a whole lands next to its minimum). */
function fieldFor(form: HTMLFormElement, target: string): HTMLElement | undefined {
  const path = target.slice(Math.max(0, target.indexOf("properties.")));
  let best: HTMLElement | undefined;
  for (const candidate of form.querySelectorAll<HTMLElement>("[data-target]")) {
    const own = candidate.dataset.target ?? "";
    const matches = path === own || path.startsWith(`${own}.`) || path.startsWith(`${own}[`);
    if (matches && own.length > (best?.dataset.target?.length ?? -1)) best = candidate;
  }
  return best ?? form.querySelector<HTMLElement>(`[data-target^="${CSS.escape(path)}."]`) ?? undefined;
}
