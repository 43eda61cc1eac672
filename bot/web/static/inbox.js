/* The inbox pages' enhancements; every action also works as a plain form.
   - live: polls /inbox/updates every few seconds (paused while the tab is hidden)
     and, when something changed, swaps in the fragment the server rendered;
   - keyboard: j/k move through the list, Enter opens, e resolves, / searches;
   - the reply box: live segment counter, canned replies, Ctrl+Enter sends.
   Customer text is never turned into HTML here: fragments come escaped from the
   server, and canned texts go into the box as its value. */
(function () {
  "use strict";

  function typing(target) {
    return target && (target.isContentEditable ||
      /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  /* --- live updates ------------------------------------------------------- */

  function live(root, onSwap) {
    var container = root.querySelector("[data-live-fragment]");
    var every = (parseInt(root.dataset.pollSeconds, 10) || 4) * 1000;
    var timer = null;
    var busy = false;

    function cursor() {
      var list = root.querySelector("[data-fingerprint]");
      var own = list ? list.dataset.fingerprint : "";
      // The thread page tracks the list too (to notice a status change made elsewhere).
      var listPrint = list && list.dataset.listFingerprint !== undefined
        ? list.dataset.listFingerprint : own;
      return root.hasAttribute("data-inbox-thread") ? listPrint + "." + own : own + ".";
    }

    function swap() {
      return fetch(root.dataset.fragment, { credentials: "same-origin",
                                            headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.text();
        })
        .then(function (html) {
          // The server rendered and escaped this fragment; parse it inert and move it in.
          var doc = new DOMParser().parseFromString(html, "text/html");
          container.replaceChildren.apply(container, Array.from(doc.body.childNodes));
          if (onSwap) onSwap();
        });
    }

    function poll() {
      timer = null;
      if (document.hidden || busy) { schedule(); return; }
      busy = true;
      var url = root.dataset.updates;
      url += (url.indexOf("?") === -1 ? "?" : "&") + "since=" + encodeURIComponent(cursor());
      fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (changed) {
          var thread = root.hasAttribute("data-inbox-thread");
          if ((thread && changed.thread) || (!thread && changed.list)) return swap();
          return null;
        })
        .catch(function () { /* try again at the next tick */ })
        .then(function () { busy = false; schedule(); });
    }

    function schedule() { if (!timer) timer = setTimeout(poll, every); }

    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { clearTimeout(timer); timer = null; poll(); }
    });
    schedule();
  }

  /* --- the list ----------------------------------------------------------- */

  function listPage(root) {
    var selected = 0;

    function rows() { return Array.from(root.querySelectorAll("[data-row]")); }

    function mark(index, focus) {
      var all = rows();
      if (all.length === 0) return;
      selected = Math.max(0, Math.min(index, all.length - 1));
      all.forEach(function (row, i) { row.classList.toggle("selected", i === selected); });
      if (focus) all[selected].querySelector("a").focus();
    }

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (typing(event.target)) {
        if (event.key === "Escape") event.target.blur();
        return;
      }
      var all = rows();
      if (event.key === "/") {
        event.preventDefault();
        root.querySelector("#inbox-q").focus();
      } else if (event.key === "j") {
        mark(selected + 1, true);
      } else if (event.key === "k") {
        mark(selected - 1, true);
      } else if (event.key === "Enter" && all[selected] && !event.target.closest("a,button")) {
        all[selected].querySelector("a").click();
      } else if (event.key === "e" && all[selected]) {
        var resolve = all[selected].querySelector("[data-resolve]");
        if (resolve) resolve.click();
      }
    });
    // Keep the selection on the same conversation when the rows are swapped.
    live(root, function () {
      mark(selected, false);
    });
    mark(0, false);
  }

  /* --- one thread --------------------------------------------------------- */

  function threadPage(root) {
    var box = root.querySelector("#reply-body");
    var counter = root.querySelector("#segment-counter");

    function fill(template, values) {
      return template.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
    }

    function count() {
      if (!box || !counter) return;
      var text = box.value;
      var characters = Array.from(text).length;
      if (box.dataset.channel !== "sms") {
        counter.textContent = fill(counter.dataset.plain, { characters: characters });
        return;
      }
      var counted = window.ReplyDeskSegments.countSegments(text);
      var words = fill(counter.dataset.template, {
        characters: characters, segments: counted.segments,
        encoding: counted.encoding === "GSM-7" ? counter.dataset.gsm : counter.dataset.ucs
      });
      if (counted.nonGsm.length) {
        words += " · " + fill(counter.dataset.because, {
          characters: counted.nonGsm.map(function (c) {
            return c === " " ? "U+00A0" : c;
          }).join(" ")
        });
      }
      counter.textContent = words;  // text, never HTML
    }

    if (box) {
      box.addEventListener("input", count);
      box.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          box.form.requestSubmit();
        }
      });
      count();
    }
    var note = root.querySelector("#note-body");
    if (note) {
      note.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          note.form.requestSubmit();
        }
      });
    }

    root.querySelectorAll("[data-canned]").forEach(function (button) {
      button.addEventListener("click", function () {
        var text = button.dataset.canned;
        var start = box.selectionStart, end = box.selectionEnd;
        box.value = box.value.slice(0, start) + text + box.value.slice(end);
        box.focus();
        box.selectionStart = box.selectionEnd = start + text.length;
        count();
      });
    });

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      if (event.key === "e") {
        var resolve = root.querySelector("[data-resolve]");
        if (resolve) resolve.click();
      }
    });

    function toBottom() {
      var list = root.querySelector(".inbox-thread");
      if (list) list.scrollTop = list.scrollHeight;
    }
    live(root, toBottom);
    toBottom();
  }

  var list = document.querySelector("[data-inbox-list]");
  if (list) listPage(list);
  var thread = document.querySelector("[data-inbox-thread]");
  if (thread) threadPage(thread);
  // The keyboard works from here on (the browser test waits for this mark).
  document.body.dataset.inboxReady = "true";
})();
