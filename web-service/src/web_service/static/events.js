// The console's live event feed: the gateway's /admin/events over a WebSocket (the admin's login
// cookie authenticates it), filtered by routing pattern and order; pause keeps what arrives for
// later, reconnect opens a fresh feed.
(function () {
  "use strict";
  var MAX_SHOWN = 500;

  function start(section) {
    var list = section.querySelector(".events");
    var state = section.querySelector(".feed-state");
    var pauseButton = section.querySelector("[data-action=pause]");
    var paused = false, held = [], socket = null, retry = null;

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

    function show(env) {
      var item = document.createElement("li");
      var time = document.createElement("time");
      time.dateTime = env.occurred_at || "";
      time.textContent = (env.occurred_at || "").slice(11, 23);
      var type = document.createElement("strong");
      type.textContent = env.type;
      var what = document.createElement("span");
      what.textContent = describe(env) + " — from " + (env.producer || "?");
      item.append(time, " ", type, " ", what);
      list.prepend(item);
      while (list.children.length > MAX_SHOWN) list.lastChild.remove();
    }

    function say(text) { state.textContent = text; }

    function connect() {
      clearTimeout(retry);
      if (socket) { socket.onclose = null; socket.close(); }
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + location.host + "/admin/events" + query());
      socket.onopen = function () { say(paused ? "Connected, paused" : "Connected, live"); };
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
