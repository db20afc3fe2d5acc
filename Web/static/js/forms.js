// Every page's form errors and confirmations, for keyboard and screen-reader
// users (WCAG 3.3.1, 3.3.3, 4.1.3). Loaded by the layout; the pages work
// without it (the summaries are role=alert and list every error).
//
// - The first message a form post left on the page (`data-focus-on-load`:
//   an error summary, a confirmation) takes focus, so it is read at once and
//   the next Tab continues from there.
// - Each summary line names its field (`data-error-field`, the form field's
//   name): its link goes to that field and focuses it; the field is marked
//   `aria-invalid` and described by the message unless its own error text
//   describes it already.

const focusable = "input:not([type=hidden]), select, textarea, button";

// The form a summary is about: the one it sits in, else the first form
// after it (several forms on a page can have a field of the same name: the
// comment forms of a consultation, one per article).
function formOf(link) {
  const inside = link.closest("form");
  if (inside) return inside;
  const summary = link.closest("[data-focus-on-load], .error") ?? link;
  for (let next = summary.nextElementSibling; next; next = next.nextElementSibling) {
    if (next.matches("form")) return next;
    const nested = next.querySelector("form");
    if (nested) return nested;
  }
  return null;
}

function findField(name, form) {
  const quoted = CSS.escape(name);
  const selector = `[name="${quoted}"]:not([type=hidden]), [name="${quoted}[]"]:not([type=hidden])`;
  const byId = document.getElementById(name);
  if (byId && (form ? form.contains(byId) : byId.closest("main"))) return byId;
  return form?.querySelector(selector) ?? document.querySelector(`main :is(${selector})`);
}

let serial = 0;
for (const link of document.querySelectorAll("main a[data-error-field]")) {
  const field = findField(link.dataset.errorField, formOf(link));
  if (!field) {
    // A message about the form as a whole: plain text, not a dead link.
    link.replaceWith(document.createTextNode(link.textContent));
    continue;
  }
  if (!field.id) field.id = `field-${link.dataset.errorField.replace(/[^A-Za-z0-9_-]/g, "-")}`;
  link.href = `#${field.id}`;
  const line = link.closest("li, p") ?? link;
  if (!line.id) line.id = `error-line-${++serial}`;
  const control = field.matches(focusable) ? field : field.querySelector(focusable) ?? field;
  control.setAttribute("aria-invalid", "true");
  const described = (control.getAttribute("aria-describedby") ?? "").split(/\s+/).filter(Boolean);
  const ownError = described.some((id) => document.getElementById(id)?.matches(".error, .field-errors, .form-error"));
  if (!ownError) control.setAttribute("aria-describedby", [...described, line.id].join(" "));
  link.addEventListener("click", (event) => {
    event.preventDefault();
    control.scrollIntoView({ block: "center" });
    control.focus();
  });
}

const message = document.querySelector("main [data-focus-on-load]");
if (message) {
  if (!message.hasAttribute("tabindex")) message.setAttribute("tabindex", "-1");
  message.focus();
  // A page reached with a #fragment (…?asked=1#ask) scrolls to it after
  // the load, and chromium then drops the focus to the body: take it back
  // unless the reader has moved on.
  if (location.hash) {
    window.addEventListener("load", () => {
      setTimeout(() => {
        if (document.activeElement === document.body || document.activeElement === null) message.focus();
      }, 0);
    });
  }
}
