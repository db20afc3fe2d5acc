// A WebSocket that reconnects by itself, with backoff, and tells the page
// whether it is connected. Shared by the moderation console and the live
// interview pages. See docs/live-protocol.md for the frames.

/**
 * @param {string} path  e.g. "/live/moderation"
 * @param {{onMessage: (event: object) => void, onStatus?: (status: "open"|"reconnecting"|"closed") => void,
 *          url?: () => string}} handlers  `url` may add `since=` on each reconnect.
 */
export function connectLive(path, handlers) {
  let delay = 500;
  let socket;
  let stopped = false;
  let failures = 0;
  const status = handlers.onStatus ?? (() => {});

  function open() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const target = handlers.url ? handlers.url() : path;
    socket = new WebSocket(`${scheme}//${location.host}${target}`);
    socket.addEventListener("open", () => {
      delay = 500;
      status("open");
    });
    socket.addEventListener("message", (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (event.v !== 1) return;
      handlers.onMessage(event);
    });
    socket.addEventListener("open", () => {
      failures = 0;
    });
    socket.addEventListener("close", (close) => {
      if (stopped) return;
      // 1008: refused by policy. Repeated failures to connect at all: the
      // interview may not exist (any more); stop after a few.
      failures += 1;
      if (close.code === 1008 || failures > 8) {
        status("closed");
        return;
      }
      status("reconnecting");
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 15000);
    });
  }

  open();
  return {
    close() {
      stopped = true;
      socket?.close();
    },
  };
}
