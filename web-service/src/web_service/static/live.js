// Live updates for logged-in shoppers over the notification WebSocket (/ws, the login cookie
// authenticates it): broadcasts appear in the banner; an order page refreshes its state when
// that order moves. The socket does not replay what was missed, so every (re)connection
// re-fetches the order's state from the server.
(function () {
  "use strict";
  if (document.body.dataset.live !== "1") return;
  var order = document.querySelector("[data-order-id]");
  var orderId = order && !document.querySelector("[data-feed]") ? order.dataset.orderId : null;
  var delay = 500;

  function refreshOrder() {
    if (!orderId || !window.htmx) return;
    htmx.ajax("GET", "/shop/orders/" + orderId + "/state",
              {target: "#order-state", swap: "outerHTML"});
  }

  function showBroadcast(text) {
    var banner = document.getElementById("broadcast");
    if (banner) banner.textContent = text;
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws");
    socket.onopen = function () { delay = 500; refreshOrder(); };
    socket.onmessage = function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      if (data.type === "global") showBroadcast(data.message);
      else if (data.type === "order_status" && String(data.order_id) === orderId) refreshOrder();
    };
    socket.onclose = function (event) {
      if (event.code === 1008) return;  // logged out or token refused: a reload logs in again
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", connect);
  else connect();
})();
