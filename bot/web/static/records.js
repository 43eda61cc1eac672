// The appointments form, enhanced: the status list offers only the chosen kind's
// statuses, and a long customer list gets a search box. Without this script every kind's
// statuses are listed, named with their kind, and the server refuses a status that does
// not fit; the customer list is a plain select (type-ahead still works).
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

  // A long customer list gets a search box that narrows it and picks the first match.
  var customer = document.getElementById("customer_id");
  var words = customer && customer.getAttribute("data-search");
  if (customer && customer.tagName === "SELECT" && words && customer.options.length > 8) {
    var label = document.createElement("label");
    label.className = "records-customer-search";
    label.textContent = words;
    var input = document.createElement("input");
    input.type = "search";
    input.id = "customer-search";
    input.autocomplete = "off";
    label.appendChild(input);
    customer.closest("label").insertAdjacentElement("beforebegin", label);
    var squeeze = function (text) {
      return text.toLowerCase().replace(/[\s\-\/()]/g, "");
    };
    input.addEventListener("input", function () {
      var wanted = squeeze(input.value);
      var first = null;
      Array.prototype.forEach.call(customer.options, function (option) {
        if (!option.value) {
          return;
        }
        var fits = !wanted || squeeze(option.text).indexOf(wanted) !== -1;
        option.hidden = !fits;
        if (fits && !first) {
          first = option;
        }
      });
      var chosen = customer.options[customer.selectedIndex];
      if (wanted && first && (!chosen || !chosen.value || chosen.hidden)) {
        customer.value = first.value;
      }
    });
  }
  document.body.setAttribute("data-records-ready", "");
})();
