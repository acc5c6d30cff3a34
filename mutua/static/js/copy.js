// "Copia": copies the codes inside the element named by data-copy-from. The button shows only where the
// clipboard can be used; without it the page still offers the codes on screen and as a download.
document.querySelectorAll('[data-copy-from]').forEach(function (button) {
  if (!navigator.clipboard) return
  button.hidden = false
  button.addEventListener('click', function () {
    const source = document.getElementById(button.dataset.copyFrom)
    const status = document.getElementById(button.dataset.copyStatus)
    const codes = Array.from(source.querySelectorAll('code')).map(function (code) { return code.textContent.trim() })
    navigator.clipboard.writeText(codes.length ? codes.join('\n') : source.textContent.trim()).then(
      function () { if (status) status.textContent = button.dataset.copiedText },
      function () { if (status) status.textContent = button.dataset.failedText }
    )
  })
})
