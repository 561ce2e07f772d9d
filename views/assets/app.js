// Progressive enhancement only: every page works without this file.
document.documentElement.classList.add('js')
document.addEventListener('click', async (event) => {
  const button = event.target instanceof Element ? event.target.closest('[data-copy]') : null
  if (!button) return
  const text = document.getElementById(button.getAttribute('data-copy') || '')?.textContent || ''
  try {
    await navigator.clipboard.writeText(text.trim())
    const label = button.textContent
    button.textContent = button.getAttribute('data-copied') || '✓'
    setTimeout(() => { button.textContent = label }, 2000)
  } catch {
    const range = document.createRange()
    const node = document.getElementById(button.getAttribute('data-copy') || '')
    if (node) { range.selectNodeContents(node); getSelection()?.removeAllRanges(); getSelection()?.addRange(range) }
  }
})
document.addEventListener('click', async (event) => {
  const button = event.target instanceof Element ? event.target.closest('[data-copy-value]') : null
  if (!button) return
  const field = document.getElementById(button.getAttribute('data-copy-value') || '')
  if (!(field instanceof HTMLTextAreaElement)) return
  field.select()
  try {
    await navigator.clipboard.writeText(field.value)
    button.textContent = '已复制'
  } catch {
    document.execCommand('copy')
  }
})
function count(field) {
  if (!(field instanceof HTMLTextAreaElement) || !field.maxLength || field.maxLength < 0) return
  const counter = document.getElementById(`${field.id}-count`)
  if (counter) counter.textContent = `${field.value.length} / ${field.maxLength}`
}
function countAll() {
  document.querySelectorAll('textarea[maxlength]').forEach(count)
}
document.addEventListener('input', (event) => count(event.target))
document.addEventListener('DOMContentLoaded', countAll)
document.addEventListener('htmx:after:swap', countAll)
document.addEventListener('htmx:after:swap', () => {
  const summary = document.getElementById('error-summary')
  if (summary) summary.focus()
})
