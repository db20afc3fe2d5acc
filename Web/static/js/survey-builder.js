// Survey builder: shows only the parts of the question form that the
// chosen type uses (options, scale, matrix). Without this script every
// part shows and the server reads the ones the type needs.
for (const form of document.querySelectorAll("[data-testid=survey-question-form]")) {
  const type = form.querySelector("select[name=type]");
  const parts = form.querySelectorAll("[data-for]");
  const apply = () => {
    for (const part of parts) {
      part.hidden = !part.dataset.for.split(" ").includes(type.value);
    }
  };
  type.addEventListener("change", apply);
  apply();
}
