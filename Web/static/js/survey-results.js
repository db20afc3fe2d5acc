// Organisers' results of an open survey: every 15 seconds the page is
// fetched again and its figures replace the ones shown, so a meeting room
// can watch responses come in. The server renders the page (counts,
// percentages, charts), so the script only swaps it in. It pauses while the
// tab is hidden and stops when the survey is no longer open (the fresh page
// then has no data-live-results). Without JavaScript the page is still
// complete; it just does not update.
const live = document.querySelector("[data-live-results]");

if (live) {
  const seconds = Number(live.dataset.refreshSeconds) || 15;
  live.querySelector("[data-testid=survey-results-updating]")?.removeAttribute("hidden");
  let timer = null;

  async function refresh() {
    timer = null;
    try {
      const response = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!response.ok) return schedule();
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector("[data-live-results]");
      if (!fresh) {
        // Closed meanwhile: show the final figures and stop.
        const final = page.querySelector("[data-testid=survey-results-count]")?.parentElement;
        if (final) live.replaceChildren(...final.childNodes);
        return;
      }
      live.replaceChildren(...fresh.childNodes);
      live.querySelector("[data-testid=survey-results-updating]")?.removeAttribute("hidden");
    } catch {
      // A dropped connection: try again at the next tick.
    }
    schedule();
  }

  function schedule() {
    if (timer === null && !document.hidden) timer = setTimeout(refresh, seconds * 1000);
  }

  document.addEventListener("visibilitychange", () => {
    if (document.hidden && timer !== null) {
      clearTimeout(timer);
      timer = null;
    } else {
      schedule();
    }
  });
  schedule();
}
