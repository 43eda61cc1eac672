/* The opening-hours form's "Add a range" buttons: a further row of times for a day
   without saving first. Without this script the form still offers one empty row more
   than a day has ranges (at least two), so nothing depends on it. */
(function () {
  "use strict";

  // The copied row's input and its label get the next row's name, id and words.
  function renumber(input, day, row, labelTemplate, copy) {
    var part = input.id.slice(input.id.lastIndexOf("-") + 1); // opens or closes
    var name = "hours-" + day + "-" + row + "-" + part;
    var label = copy.querySelector('label[for="' + input.id + '"]');
    input.id = name;
    input.name = name;
    input.value = "";
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
    if (label) {
      label.htmlFor = name;
      label.textContent = labelTemplate.replace("{n}", String(row + 1));
    }
  }

  function addRange(button) {
    var day = button.dataset.day;
    var ranges = button.parentElement;
    var rows = ranges.querySelectorAll(".hours-range");
    var max = parseInt(button.dataset.max, 10);
    if (rows.length >= max) return;
    var last = rows[rows.length - 1];
    var copy = last.cloneNode(true);
    var row = rows.length;
    copy.querySelectorAll("input").forEach(function (input) {
      var part = input.id.slice(input.id.lastIndexOf("-") + 1);
      var template = part === "opens" ? button.dataset.labelOpens : button.dataset.labelCloses;
      renumber(input, day, row, template, copy);
    });
    ranges.insertBefore(copy, button);
    copy.querySelector("input").focus();
    if (row + 1 >= max) button.hidden = true;
  }

  document.querySelectorAll("button.add-range").forEach(function (button) {
    var rows = button.parentElement.querySelectorAll(".hours-range").length;
    button.hidden = rows >= parseInt(button.dataset.max, 10);
    button.addEventListener("click", function () { addRange(button); });
  });
})();
