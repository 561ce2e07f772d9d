/**
 * A tiny XML writer for the Open311 documents: plain values in, one UTF-8 document out. Text is
 * always escaped; element names are checked; nothing is ever written raw.
 */

/**
 * What can be written: scalars, lists (of items named by `itemName`) and plain objects, whose
 * fields become child elements in order (their values again `XmlValue`s).
 */
export type XmlValue = string | number | boolean | null | undefined | readonly XmlValue[] | object

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/

/**
 * Escapes text for element content or an attribute value: `& < > " '` become entities; tab and
 * line feed stay; carriage return, DEL and the C1 controls become character references (legal in
 * XML 1.0 and kept by parsers); the C0 controls, U+FFFE, U+FFFF and unpaired surrogates, which XML
 * 1.0 cannot carry at all, are dropped.
 *
 * @example escapeXml('a < b & "c"') // 'a &lt; b &amp; &quot;c&quot;'
 */
export function escapeXml(text: string): string {
  let out = ''
  for (const ch of text) {
    const cp = ch.codePointAt(0)!
    switch (ch) {
      case '&':
        out += '&amp;'
        continue
      case '<':
        out += '&lt;'
        continue
      case '>':
        out += '&gt;'
        continue
      case '"':
        out += '&quot;'
        continue
      case "'":
        out += '&apos;'
        continue
    }
    if (cp === 0x09 || cp === 0x0a) out += ch
    else if (cp === 0x0d || (cp >= 0x7f && cp <= 0x9f)) out += `&#x${cp.toString(16)};`
    else if (cp < 0x20 || cp === 0xfffe || cp === 0xffff || (cp >= 0xd800 && cp <= 0xdfff)) continue
    else out += ch
  }
  return out
}

/**
 * One element: `null`/`undefined` as an empty element, scalars as escaped text, a list as one
 * child per item (named by `itemName(name)`), a record as one child per field in order.
 *
 * @example xmlElement('service', { service_code: 'noise', metadata: true }, () => 'x')
 * // '<service><service_code>noise</service_code><metadata>true</metadata></service>'
 */
export function xmlElement(
  name: string,
  value: XmlValue,
  itemName: (listName: string) => string,
): string {
  if (!NAME.test(name)) throw new Error(`not an XML element name: ${name}`)
  if (value === null || value === undefined) return `<${name}/>`
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    const text = escapeXml(String(value))
    return text === '' ? `<${name}/>` : `<${name}>${text}</${name}>`
  }
  if (typeof value !== 'object') throw new Error(`cannot write a ${typeof value} as XML`)
  let inner = ''
  if (isList(value)) {
    const item = itemName(name)
    for (const v of value) inner += xmlElement(item, v, itemName)
  } else {
    for (const [field, v] of Object.entries(value)) {
      inner += xmlElement(field, v as XmlValue, itemName)
    }
  }
  return inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`
}

/**
 * A whole document: the XML declaration (UTF-8) and the root element.
 *
 * @example xmlDocument('errors', [{ code: 404, description: 'no such service' }], () => 'error')
 * // '<?xml version="1.0" encoding="utf-8"?>\n<errors><error><code>404</code>…</error></errors>'
 */
export function xmlDocument(
  root: string,
  value: XmlValue,
  itemName: (listName: string) => string,
): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${xmlElement(root, value, itemName)}\n`
}

function isList(value: XmlValue): value is readonly XmlValue[] {
  return Array.isArray(value)
}
