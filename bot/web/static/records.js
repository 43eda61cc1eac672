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
  // A number matches as the customers page matches it: its digits, without leading
  // zeros, so "0151 1234" and "+49 151 1234" both find "+491511234…".
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
    var digits = function (text) {
      return text.replace(/\D/g, "").replace(/^0+/, "");
    };
    var first = null;
    var narrow = function () {
      var wanted = squeeze(input.value);
      // Typed like a number (digits, "+", spaces, dashes, brackets): compare digits.
      var number = /^\+?[\d\s\-\/().]+$/.test(input.value.trim()) ? digits(input.value) : "";
      first = null;
      Array.prototype.forEach.call(customer.options, function (option) {
        if (!option.value) {
          return;
        }
        var fits =
          !wanted ||
          squeeze(option.text).indexOf(wanted) !== -1 ||
          (number !== "" && digits(option.text).indexOf(number) !== -1);
        option.hidden = !fits;
        if (fits && !first) {
          first = option;
        }
      });
      var chosen = customer.options[customer.selectedIndex];
      if (wanted && first && (!chosen || !chosen.value || chosen.hidden)) {
        customer.value = first.value;
      }
    };
    input.addEventListener("input", narrow);
    // Enter picks the first match and moves on to the list; it never sends the form.
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") {
        return;
      }
      event.preventDefault();
      narrow();
      if (input.value.trim() && first) {
        customer.value = first.value;
      }
      customer.focus();
    });
    // The box comes first, so the form starts in it rather than in the list after it.
    if (customer.hasAttribute("autofocus")) {
      customer.removeAttribute("autofocus");
      input.autofocus = true;
      input.focus();
    }
  }
  document.body.setAttribute("data-records-ready", "");
})();
