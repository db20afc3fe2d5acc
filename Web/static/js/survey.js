// Survey form: hides a question while the answer its condition depends on
// is not chosen, and clears what was entered in it, so the server (which
// ignores answers to questions whose condition does not hold, and
// requires them only when it holds) and the reader see the same form.
// Without this script every question shows, each conditional one with its
// condition written beside it.
const form = document.querySelector("[data-testid=survey-form]");

function chosenValues(field) {
  return Array.from(form.elements)
    .filter((element) => element.name === field && !element.disabled && (element.checked || element.tagName === "SELECT"))
    .map((element) => element.value);
}

// In document order: a condition refers only to earlier questions, so a
// question hidden (and disabled) above is already settled.
function applyConditions() {
  for (const question of form.querySelectorAll("[data-condition-field]")) {
    const holds = chosenValues(question.dataset.conditionField).includes(question.dataset.conditionValue);
    question.hidden = !holds;
    for (const input of question.querySelectorAll("input, textarea, select")) {
      input.disabled = !holds;
    }
  }
}

if (form) {
  form.addEventListener("change", applyConditions);
  applyConditions();
}
