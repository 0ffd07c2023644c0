/* Kaleno pages: enhancement only. Every page works without this file. */
(function () {
  "use strict";
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    zone = "";
  }
  // A booking form records the customer's zone when the page did not choose one.
  var inputs = document.querySelectorAll("input[data-browser-zone]");
  for (var i = 0; i < inputs.length; i++) {
    if (!inputs[i].value && zone) inputs[i].value = zone;
  }
  // A booking page opened without ?tz= shows the host's zone; show the browser's instead.
  var page = document.querySelector("[data-zone-auto='true']");
  if (page && zone && page.getAttribute("data-zone") !== zone && window.URL) {
    var url = new URL(window.location.href);
    url.searchParams.set("tz", zone);
    window.location.replace(url.toString());
    return;
  }
  // One submission per form: a second click is ignored (the server checks too).
  var forms = document.querySelectorAll("form[data-submit-once]");
  for (var j = 0; j < forms.length; j++) {
    forms[j].addEventListener("submit", function (event) {
      var form = event.currentTarget;
      if (form.getAttribute("data-submitted") === "true") {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-submitted", "true");
    });
  }
})();
