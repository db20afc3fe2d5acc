// Public interview page: follows the live transcript over WebSocket and
// resumes after a dropped connection from the last sequence number seen,
// so nothing is missed or shown twice (docs/live-protocol.md).
import { connectLive } from "./live.js";
import { renderEntry, applyCorrection } from "./transcript.js";

const article = document.getElementById("interview");
const list = document.getElementById("transcript");
const statusElement = document.querySelector("[data-testid=live-status]");
const viewersElement = document.querySelector("[data-testid=viewers]");
const zh = document.documentElement.lang.startsWith("zh");
const labels = zh
  ? { open: "直播中，实时更新", reconnecting: "连接中断，正在重新连接…", closed: "实时更新已停止", viewers: "人正在观看" }
  : { open: "Live", reconnecting: "Connection lost, reconnecting…", closed: "Live updates stopped", viewers: "watching" };

let lastSeq = Number(article.dataset.lastSeq || "0");
const id = article.dataset.interviewId;

async function refreshQuestions() {
  const response = await fetch(`/api/v1/interviews/${id}/questions`);
  if (!response.ok) return;
  const { questions } = await response.json();
  const target = document.getElementById("question-list");
  if (!target) return;
  const votes = new Map(questions.map((question) => [String(question.id), question.votes]));
  // Update counts in place; new questions appear on the next page load.
  target.querySelectorAll("form[action*='/questions/']").forEach((form) => {
    const match = form.action.match(/questions\/(\d+)\/vote/);
    const count = match && votes.get(match[1]);
    if (count !== undefined && count !== null) {
      const span = form.querySelector("button span");
      if (span) span.textContent = String(count);
    }
  });
}

connectLive(`/live/interviews/${id}`, {
  url: () => `/live/interviews/${id}?since=${lastSeq}`,
  onStatus(status) {
    if (!statusElement) return;
    statusElement.textContent = labels[status];
    statusElement.classList.toggle("on", status === "open");
  },
  onMessage(event) {
    if (typeof event.seq === "number") {
      if (event.seq <= lastSeq) return;
      lastSeq = event.seq;
    }
    switch (event.type) {
      case "entry":
        renderEntry(list, event.entry);
        if (event.entry.kind === "system" && event.entry.body === "ended") {
          article.dataset.status = "ended";
        }
        break;
      case "correction":
        applyCorrection(event);
        break;
      case "viewers":
        if (viewersElement) viewersElement.textContent = `${event.count} ${labels.viewers}`;
        break;
      case "questions":
        refreshQuestions();
        break;
    }
  },
});
