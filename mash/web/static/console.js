// Live updates: a page region marked data-live-fragment="URL" is fetched again
// whenever the server says the broker brought something new (server-sent events
// from /events), so staff watch the agencies answer without reloading the page.
// Without JavaScript the pages still work: each has a link to refresh it.
import { initAll } from '/assets/govuk-frontend.min.js'

// GOV.UK Frontend's components: error summary focus, conditional reveals,
// password show/hide, the service navigation's menu.
initAll()

const regions = document.querySelectorAll('[data-live-fragment]')

async function refresh (region) {
  const response = await fetch(region.dataset.liveFragment, {
    credentials: 'same-origin',
    headers: { Accept: 'text/html' }
  })
  if (!response.ok) return
  const html = await response.text()
  if (html !== region.dataset.liveHtml) {
    region.dataset.liveHtml = html
    region.innerHTML = html
    region.dataset.liveUpdated = String(Date.now())
  }
}

if (regions.length && 'EventSource' in window) {
  for (const region of regions) {
    region.dataset.liveHtml = region.innerHTML
  }
  // From the feed version this page was rendered from: nothing that arrives
  // before the stream opens is missed (the server tells at once).
  const rendered = document.querySelector('meta[name="mash-feed-version"]')
  const since = rendered ? `?since=${encodeURIComponent(rendered.content)}` : ''
  const events = new EventSource(`/events${since}`)
  events.addEventListener('changed', () => {
    for (const region of regions) {
      refresh(region).catch(() => {})
    }
  })
  for (const link of document.querySelectorAll('.mash-refresh-link')) {
    link.hidden = true
  }
}
