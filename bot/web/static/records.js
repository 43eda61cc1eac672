// The appointments form, enhanced: the status list offers only the chosen kind's
// statuses. Without this script every kind's statuses are listed, named with their kind,
// and the server refuses a status that does not fit.
(function () {
  "use strict";
  var kind = document.getElementById("kind");
  var status = document.getElementById("status");
  if (!kind || !status || kind.tagName !== "SELECT") {
    return;
  }
  function offer() {
    var chosen = kind.value;
    Array.prototype.forEach.call(status.options, function (option) {
      var of = option.getAttribute("data-kind");
      var fits = !of || of === chosen;
      option.hidden = !fits;
      option.disabled = !fits;
      if (!fits && option.selected) {
        status.value = "";
      }
    });
  }
  kind.addEventListener("change", offer);
  offer();
  document.body.setAttribute("data-records-ready", "");
})();
