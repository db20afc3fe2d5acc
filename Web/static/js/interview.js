// Public interview page: follows the live transcript over WebSocket and
// resumes after a dropped connection from the last sequence number seen,
// so nothing is missed or shown twice (docs/live-protocol.md).
import { followTranscript, renderEntry, applyCorrection, applyWithdrawal, applyRepublication } from "./transcript.js";

const article = document.getElementById("interview");
const list = document.getElementById("transcript");
const statusElement = document.querySelector("[data-testid=live-status]");
const viewersElement = document.querySelector("[data-testid=viewers]");
const zh = document.documentElement.lang.startsWith("zh");
const labels = zh
  ? { open: "直播中，实时更新", reconnecting: "连接中断，正在重新连接…", closed: "实时更新已停止", viewers: "人正在观看" }
  : { open: "Live", reconnecting: "Connection lost, reconnecting…", closed: "Live updates stopped", viewers: "watching" };

const id = article.dataset.interviewId;

const stateNames = zh
  ? { approved: "已采纳", on_air: "正在回答", answered: "已答复", deferred: "待答复" }
  : { approved: "Accepted", on_air: "Being answered", answered: "Answered", deferred: "To be answered" };
const supportLabel = zh ? "支持" : "Support";

// The vote button's accessible name, from the page's own translation
// ("支持：{question}，当前 {votes} 票"): the question it is for, and the count.
function voteLabel(template, question) {
  const flat = question.text.split(/\r?\n/).join(" ");
  const excerpt = [...flat].length <= 30 ? flat : [...flat].slice(0, 30).join("") + "…";
  return template.replace("{question}", excerpt).replace("{votes}", String(question.votes));
}

// Rebuilds the public question list from the JSON API (text only, via
// textContent), so newly approved questions and answered ones show live.
async function refreshQuestions() {
  const response = await fetch(`/api/v1/interviews/${id}/questions`);
  if (!response.ok) return;
  const { questions } = await response.json();
  const target = document.getElementById("question-list");
  if (!target) return;
  const csrf = target.querySelector("input[name=_csrf]")?.value;
  const labelTemplate = target.dataset.voteLabel ?? `${supportLabel}: {question} ({votes})`;
  // The list is rebuilt: a keyboard user's focus on one of its buttons goes
  // back to the same button (same id) afterwards, not to the page body.
  const focusedId = target.contains(document.activeElement) ? document.activeElement.id : null;
  const items = questions
    .filter((question) => question.state !== "deferred")
    .map((question) => {
      const item = document.createElement("li");
      item.className = "question";
      const text = document.createElement("p");
      text.textContent = question.text;
      const meta = document.createElement("p");
      meta.className = "meta";
      meta.textContent = `${question.nickname} · ${stateNames[question.state] ?? question.state}`;
      item.append(text, meta);
      if (question.state === "approved" || question.state === "on_air") {
        const form = document.createElement("form");
        form.method = "post";
        form.action = `/interviews/${id}/questions/${question.id}/vote`;
        form.className = "inline-form";
        if (csrf) {
          const token = document.createElement("input");
          token.type = "hidden";
          token.name = "_csrf";
          token.value = csrf;
          form.append(token);
        }
        const button = document.createElement("button");
        button.type = "submit";
        button.className = "button small";
        button.id = `vote-${question.id}`;
        button.setAttribute("aria-label", voteLabel(labelTemplate, question));
        button.textContent = `${supportLabel} `;
        const count = document.createElement("span");
        count.textContent = String(question.votes);
        button.append(count);
        form.append(button);
        item.append(form);
      }
      return item;
    });
  target.replaceChildren(...items);
  if (focusedId) {
    const again = document.getElementById(focusedId);
    if (again) {
      again.focus();
    } else {
      // Its question left the list (answered, deferred): the list's
      // heading, not the page body, so Tab continues from here.
      const heading = document.getElementById("questions-heading");
      heading?.setAttribute("tabindex", "-1");
      heading?.focus();
    }
  }
  document.getElementById("no-questions")?.remove();
}

followTranscript(`/live/interviews/${id}`, {
  lastSeq: Number(article.dataset.lastSeq || "0"),
  statusElement,
  labels,
  onEvent(event) {
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
      case "withdrawal":
        applyWithdrawal(event);
        break;
      case "republication":
        applyRepublication(event);
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
