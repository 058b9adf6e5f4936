// The console's live event feed: the gateway's /admin/events over a WebSocket (the admin's login
// cookie authenticates it), filtered by routing pattern and order; pause keeps what arrives for
// later, reconnect opens a fresh feed. On an order's page the list starts with the order's
// stored timeline (rendered by the server, oldest first): live events are appended to it, an
// event already listed is not shown twice (by event id), and every (re)connection re-reads the
// stored timeline, since the feed does not replay what happened while it was not connected.
(function () {
  "use strict";
  var MAX_SHOWN = 500;

  function start(section) {
    var list = section.querySelector(".events");
    var state = section.querySelector(".feed-state");
    var pauseButton = section.querySelector("[data-action=pause]");
    var paused = false, held = [], socket = null, retry = null;
    var oldestFirst = section.hasAttribute("data-oldest-first");

    function query() {
      var params = new URLSearchParams();
      if (section.dataset.pattern) params.append("pattern", section.dataset.pattern);
      if (section.dataset.orderId) params.append("order_id", section.dataset.orderId);
      var text = params.toString();
      return text ? "?" + text : "";
    }

    function describe(env) {
      var data = env.data || {};
      var parts = [];
      if (data.order_id !== undefined) parts.push("order " + data.order_id);
      if (data.status) parts.push(data.status);
      if (data.book_id !== undefined) parts.push("book " + data.book_id);
      if (data.reason) parts.push(data.reason);
      return parts.join(" · ");
    }

    function listed(id) {
      return Array.prototype.some.call(list.children, function (item) {
        return item.dataset.eventId === id;
      });
    }

    function show(env) {
      if (env.id && listed(env.id)) return;
      var item = document.createElement("li");
      if (env.id) item.dataset.eventId = env.id;
      var time = document.createElement("time");
      time.dateTime = env.occurred_at || "";
      time.textContent = (env.occurred_at || "").slice(11, 23);
      var type = document.createElement("strong");
      type.textContent = env.type;
      var what = document.createElement("span");
      what.textContent = describe(env) + " — from " + (env.producer || "?");
      item.append(time, " ", type, " ", what);
      if (oldestFirst) {
        list.append(item);
        while (list.children.length > MAX_SHOWN) list.firstElementChild.remove();
      } else {
        list.prepend(item);
        while (list.children.length > MAX_SHOWN) list.lastChild.remove();
      }
    }

    // The stored timeline first, then what only the feed has shown (other services' events).
    function refreshTimeline() {
      var url = section.dataset.timeline;
      if (!url) return;
      fetch(url, {credentials: "same-origin"}).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (html) {
        if (html === null) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".events");
        if (!fresh) return;
        var stored = {};
        Array.prototype.forEach.call(fresh.children, function (item) {
          stored[item.dataset.eventId] = true;
        });
        Array.prototype.slice.call(list.children).forEach(function (item) {
          if (!stored[item.dataset.eventId]) fresh.append(item);
        });
        list.replaceChildren.apply(list, Array.prototype.slice.call(fresh.children));
      }).catch(function () { /* the feed goes on; the next connection re-reads */ });
    }

    function say(text) { state.textContent = text; }

    function connect() {
      clearTimeout(retry);
      if (socket) { socket.onclose = null; socket.close(); }
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + location.host + "/admin/events" + query());
      socket.onopen = function () {
        say(paused ? "Connected, paused" : "Connected, live");
        refreshTimeline();
      };
      socket.onmessage = function (message) {
        var env;
        try { env = JSON.parse(message.data); } catch (e) { return; }
        if (paused) { held.push(env); say("Paused: " + held.length + " new events held"); }
        else show(env);
      };
      socket.onclose = function (event) {
        socket = null;
        if (event.code === 1008) { say("Disconnected: " + (event.reason || "not allowed")); return; }
        say("Disconnected; reconnecting…");
        retry = setTimeout(connect, 2000);
      };
    }

    say("Connecting…");
    section.addEventListener("click", function (event) {
      var action = event.target.dataset && event.target.dataset.action;
      if (action === "pause") {
        paused = !paused;
        pauseButton.setAttribute("aria-pressed", String(paused));
        pauseButton.textContent = paused ? "Resume" : "Pause";
        if (!paused) { held.forEach(show); held = []; }
        say(paused ? "Paused" : "Connected, live");
      } else if (action === "reconnect") {
        connect();
      } else if (action === "clear") {
        list.textContent = "";
      }
    });
    connect();
  }

  document.querySelectorAll("[data-feed]").forEach(start);
})();
