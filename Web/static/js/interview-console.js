// Host and guest console: the transcript grows live (newest first) and the
// question queue reloads when it changes. Actions stay plain forms.
import { followTranscript, renderEntry, applyCorrection, applyWithdrawal, applyRepublication } from "./transcript.js";

const consoleElement = document.getElementById("interview-console");
const list = document.getElementById("transcript");
const statusElement = document.querySelector("[data-testid=live-status]");
const zh = document.documentElement.lang.startsWith("zh");
const labels = zh
  ? { open: "实时更新中", reconnecting: "正在重新连接…", closed: "实时更新已停止", queueChanged: "问题列表有更新，" , reload: "刷新" }
  : { open: "Live", reconnecting: "Reconnecting…", closed: "Live updates stopped", queueChanged: "The queue changed — ", reload: "reload" };
const id = consoleElement.dataset.interviewId;
// A form on this page is being submitted: its redirect will show the new
// state, so a live reload must not replace it.
let submitting = false;
document.addEventListener("submit", () => {
  submitting = true;
});

function queueChanged() {
  const queue = document.getElementById("console-queue");
  if (!queue || submitting || document.getElementById("queue-changed")) return;
  // Reloading under a host who is typing would lose their text: offer it.
  const composing = document.activeElement?.tagName === "TEXTAREA" && document.activeElement.value.trim() !== "";
  if (!composing) {
    location.reload();
    return;
  }
  const note = document.createElement("p");
  note.id = "queue-changed";
  note.className = "changed-banner";
  note.textContent = labels.queueChanged;
  const link = document.createElement("a");
  link.href = location.href;
  link.textContent = labels.reload;
  note.append(link);
  queue.before(note);
}

followTranscript(`/live/interviews/${id}/console`, {
  lastSeq: Number(consoleElement.dataset.lastSeq || "0"),
  statusElement,
  labels,
  onEvent(event) {
    // An earlier page of the transcript (data-follow="0") does not take new entries.
    if (event.type === "entry" && list.dataset.follow !== "0") renderEntry(list, event.entry, { newestFirst: true });
    if (event.type === "correction") applyCorrection(event);
    if (event.type === "withdrawal") applyWithdrawal(event);
    if (event.type === "republication") applyRepublication(event);
    if (event.type === "queue") queueChanged();
  },
});
