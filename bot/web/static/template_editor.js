/* The template editor's live parts (R2.2, R2.3, R0.8): the preview follows the typing,
   the variable picker and the booking-link button insert {{ variable }} at the cursor,
   and the subject shows for email only. The server renders the preview fragment (the
   sandboxed render that sending uses, and the SMS count of the rendered text), so the
   page shows one truth; this script only posts the form and puts the fragment in.
   Without it the form's "Preview" button does the same with a page load. */
(function () {
  "use strict";
  var DEBOUNCE_MS = 300;

  function editor(form) {
    var body = form.querySelector("#template-body");
    var subject = form.querySelector("#template-subject");
    var channel = form.querySelector("#template-channel");
    var pane = document.getElementById("template-preview");
    var url = form.dataset.previewUrl;
    var lastField = body;  // where the picker inserts: the text field used last
    var timer = null;
    var sent = 0;  // answers to older requests are dropped

    function currentChannel() {
      if (channel) return channel.value;
      var hidden = form.querySelector("input[name=channel]");
      return hidden ? hidden.value : "sms";
    }

    function showLiveError(fieldName, message) {
      form.querySelectorAll("[data-live-error]").forEach(function (slot) {
        var mine = slot.dataset.liveError === fieldName;
        slot.textContent = mine ? message : "";  // text, never HTML
        var input = slot.dataset.liveError === "body" ? body : subject;
        if (input) input.setAttribute("aria-invalid", mine && message ? "true" : "false");
      });
    }

    function refresh() {
      var ticket = ++sent;
      fetch(url, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" }
      }).then(function (response) {
        return response.text().then(function (html) { return [response, html]; });
      }).then(function (answer) {
        if (ticket !== sent) return;
        var response = answer[0];
        if (response.status !== 200 && response.status !== 422) return;
        pane.innerHTML = answer[1];  // a fragment the server rendered and escaped
        var result = pane.querySelector("[data-preview-state]");
        var refused = result && result.dataset.previewState === "refused";
        var error = pane.querySelector("#preview-error");
        showLiveError(refused ? result.dataset.refusedField : "",
                      refused && error ? error.textContent : "");
        form.dataset.previewed = String(ticket);
      }).catch(function () { /* offline: the Preview button still works */ });
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, DEBOUNCE_MS);
    }

    function toggleSubject() {
      var email = currentChannel() === "email";
      form.querySelectorAll("[data-email-only]").forEach(function (part) {
        part.hidden = !email;
      });
    }

    function insert(name) {
      var target = lastField || body;
      var text = "{{ " + name + " }}";
      var start = target.selectionStart, end = target.selectionEnd;
      target.value = target.value.slice(0, start) + text + target.value.slice(end);
      target.focus();
      target.selectionStart = target.selectionEnd = start + text.length;
      schedule();
    }

    [body, subject].forEach(function (input) {
      if (!input) return;
      input.addEventListener("input", schedule);
      input.addEventListener("focus", function () { lastField = input; });
    });
    if (channel) {
      channel.addEventListener("change", function () { toggleSubject(); schedule(); });
    }
    var locale = form.querySelector("#template-locale");
    if (locale) locale.addEventListener("change", schedule);

    form.querySelectorAll("[data-insert]").forEach(function (button) {
      button.addEventListener("click", function () { insert(button.dataset.insert); });
    });
    // The fragment is replaced as the owner types, so listen on the pane.
    pane.addEventListener("click", function (event) {
      var use = event.target.closest("[data-use-suggestion]");
      if (!use) return;
      body.value = use.dataset.useSuggestion;
      body.focus();
      schedule();
    });

    toggleSubject();
    document.body.dataset.templateEditorReady = "1";
  }

  var form = document.querySelector("[data-template-editor]");
  if (form) editor(form);
  document.querySelectorAll("form[data-confirm]").forEach(function (asking) {
    asking.addEventListener("submit", function (event) {
      if (!window.confirm(asking.dataset.confirm)) event.preventDefault();
    });
  });
})();
