// "Enregistrer comme exemple": filter the intents and FAQ topics by their French
// title, and show what will be written. No inline script (strict CSP).
(function () {
  "use strict";
  function normalize(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  document.querySelectorAll(".example-form").forEach(function (form) {
    var search = form.querySelector(".example-search");
    var select = form.querySelector(".example-intent");
    var target = form.querySelector(".example-target");
    function preview() {
      var option = select.options[select.selectedIndex];
      target.textContent = option ? option.textContent + " (" + option.value + ")" : "";
    }
    search.addEventListener("input", function () {
      var needle = normalize(search.value.trim());
      var firstVisible = null;
      Array.prototype.forEach.call(select.options, function (option) {
        var shown = !needle || normalize(option.textContent + " " + option.value).indexOf(needle) !== -1;
        option.hidden = !shown;
        if (shown && !firstVisible) { firstVisible = option; }
      });
      if (select.selectedOptions[0] && select.selectedOptions[0].hidden && firstVisible) {
        select.value = firstVisible.value;
      }
      preview();
    });
    select.addEventListener("change", preview);
  });
})();
