// The phone simulator's live thread: poll the customer's feed and redraw the
// thread and the appointment list when anything changed (a reply arrived, a
// status moved on). Text is inserted as text, never as HTML.
(function () {
  "use strict";
  var thread = document.getElementById("thread");
  if (!thread) {
    return;
  }
  var appointments = document.getElementById("appointments");
  var feedUrl = thread.getAttribute("data-feed");
  var lastSnapshot = null;
  var POLL_MS = 1500;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  function meta(message) {
    var parts = [message.time, message.author];
    if (!message.from_customer) {
      parts.push(message.status);
    }
    if (message.channel !== "sms") {
      parts.push(message.channel);
    }
    return parts.join(" · ");
  }

  function drawThread(messages) {
    var items = messages.map(function (message) {
      var item = element("li", "bubble " + (message.from_customer ? "mine" : "theirs"));
      item.setAttribute("data-id", message.id);
      item.appendChild(element("p", "text", message.body));
      item.appendChild(element("span", "meta", meta(message)));
      if (message.error) {
        item.appendChild(element("span", "meta error", message.error));
      }
      return item;
    });
    if (!items.length) {
      items.push(element("li", "empty muted", "No messages yet."));
    }
    thread.replaceChildren.apply(thread, items);
    thread.scrollTop = thread.scrollHeight;
  }

  function drawAppointments(list) {
    if (!appointments) {
      return;
    }
    var items = list.map(function (appointment) {
      var item = element("li");
      item.appendChild(element("span", null, appointment.starts));
      item.appendChild(element("span", "badge", appointment.status));
      if (appointment.confirmed_by_customer) {
        item.appendChild(element("span", "badge badge-ok", "confirmed by customer"));
      }
      return item;
    });
    if (!items.length) {
      items.push(element("li", "muted", "None."));
    }
    appointments.replaceChildren.apply(appointments, items);
  }

  function refresh() {
    fetch(feedUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (feed) {
        if (!feed) {
          return;
        }
        var snapshot = JSON.stringify(feed);
        if (snapshot !== lastSnapshot) {
          lastSnapshot = snapshot;
          drawThread(feed.messages);
          drawAppointments(feed.appointments);
        }
      })
      .catch(function () {
        // The server may be restarting; the next poll tries again.
      });
  }

  thread.scrollTop = thread.scrollHeight;
  refresh();
  window.setInterval(refresh, POLL_MS);

  // Enter sends, Shift+Enter makes a new line, as in messaging apps.
  var textarea = document.getElementById("body");
  if (textarea) {
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && textarea.value.trim()) {
        event.preventDefault();
        textarea.form.requestSubmit();
      }
    });
  }
})();
