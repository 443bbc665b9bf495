/* Submit the one-button form behind an emailed link, so people don't need a second click.
   Link scanners that only GET never reach this; the button stays as the fallback. */
(function () {
  var form = document.querySelector("form[data-autosubmit]");
  if (!form || form.dataset.submitted) return;
  form.dataset.submitted = "1";
  var status = document.getElementById(form.getAttribute("data-autosubmit"));
  if (status) status.textContent = "One moment…";
  var button = form.querySelector("button[type=submit]");
  if (button) button.setAttribute("aria-busy", "true");
  if (form.requestSubmit) form.requestSubmit(); else form.submit();
})();
