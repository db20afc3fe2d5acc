// Renders live transcript events into an <ol id="transcript">. Text is
// set with textContent, never as HTML, so nothing a citizen or official
// typed can run as markup.
import { connectLive } from "./live.js";

const zh = document.documentElement.lang.startsWith("zh");
const systemText = zh
  ? { started: "访谈开始", paused: "访谈暂停", resumed: "访谈继续", ended: "访谈结束", published: "文字实录已发布" }
  : { started: "The interview has started", paused: "Paused", resumed: "Resumed", ended: "The interview has ended", published: "Transcript published" };

// The same "2026-11-29 12:40" (Beijing time) the server renders.
function time(iso) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
    }).formatToParts(new Date(iso)).map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour === "24" ? "00" : parts.hour}:${parts.minute}`;
}

// What stands in place of a withdrawn entry (docs/live-protocol.md).
const withdrawnText = zh ? "该内容已撤回。" : "This text has been withdrawn.";

export function renderEntry(list, entry, { newestFirst = false } = {}) {
  if (document.getElementById(`entry-${entry.id}`)) return;
  const item = document.createElement("li");
  item.className = `entry entry-${entry.kind} is-new` + (entry.late ? " entry-late" : "");
  item.id = `entry-${entry.id}`;
  item.dataset.seq = String(entry.seq);
  if (entry.withdrawn) {
    // A replayed entry withdrawn since: no text came with it.
    item.append(withdrawnNote());
  } else if (entry.kind === "system") {
    const note = document.createElement("p");
    note.className = "system-note";
    note.textContent = systemText[entry.body] ?? entry.body;
    item.append(note);
  } else {
    const author = document.createElement("p");
    author.className = "entry-author";
    const name = document.createElement("strong");
    name.textContent = entry.author;
    author.append(name);
    if (entry.authorTitle) {
      const title = document.createElement("span");
      title.className = "meta";
      title.textContent = " " + entry.authorTitle;
      author.append(title);
    }
    const body = document.createElement("p");
    body.className = "entry-body";
    body.dataset.testid = "entry-body";
    body.textContent = entry.body;
    const meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = time(entry.createdAt);
    item.append(author, body, meta);
  }
  document.getElementById("no-entries")?.remove();
  if (newestFirst) list.prepend(item);
  else list.append(item);
}

function withdrawnNote() {
  const note = document.createElement("p");
  note.className = "entry-body withdrawn-note";
  note.dataset.testid = "entry-withdrawn";
  note.textContent = withdrawnText;
  return note;
}

export function applyCorrection(correction) {
  // In a replay, a correction of an entry withdrawn later has no text.
  if (correction.withdrawn) {
    applyWithdrawal(correction);
    return;
  }
  const body = document.querySelector(`#entry-${correction.entryId} .entry-body`);
  if (body) body.textContent = correction.body;
}

// An admin withdrew the entry: its text leaves the page (not merely
// hidden), and a note says it was withdrawn.
export function applyWithdrawal(event) {
  const item = document.getElementById(`entry-${event.entryId}`);
  if (!item || item.classList.contains("entry-withdrawn")) return;
  item.classList.add("entry-withdrawn");
  item.replaceChildren(withdrawnNote());
}

// The entry is public again with a corrected text. Its author line is not
// in the event, so the entry is shown as the text alone until the page is
// next loaded.
export function applyRepublication(event) {
  if (event.withdrawn) {
    applyWithdrawal(event);
    return;
  }
  const item = document.getElementById(`entry-${event.entryId}`);
  if (!item) return;
  item.classList.remove("entry-withdrawn");
  const body = document.createElement("p");
  body.className = "entry-body";
  body.dataset.testid = "entry-body";
  body.textContent = event.body;
  item.replaceChildren(body);
}

/**
 * Follows an interview's numbered stream (docs/live-protocol.md): resumes
 * with `since=` the last sequence number seen, drops events already seen,
 * shows the connection's state, and hands every new event to `onEvent`.
 * @param {string} path  e.g. "/live/interviews/7"
 * @param {{lastSeq: number, statusElement?: Element | null, labels: object, onEvent: (event: object) => void}} options
 */
export function followTranscript(path, { lastSeq, statusElement, labels, onEvent }) {
  return connectLive(path, {
    url: () => `${path}?since=${lastSeq}`,
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
      onEvent(event);
    },
  });
}
