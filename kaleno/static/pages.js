/* Kaleno pages: enhancement only. Every page works without this file. */
(function () {
  "use strict";
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    zone = "";
  }
  // A booking page opened without ?tz= shows the host's zone; show the browser's instead
  // (the zone then travels in the URL and the form, so the booking records it).
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
  // Back to a page kept in the browser's cache: its forms may be sent again (a new choice).
  window.addEventListener("pageshow", function () {
    for (var k = 0; k < forms.length; k++) forms[k].removeAttribute("data-submitted");
  });
})();
