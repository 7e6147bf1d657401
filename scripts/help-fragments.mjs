// Help fragments: sections several nodes' help shares, written once in nodes/lib/help/<name>.html
// and named in a help file by a marker line `<!-- lsync-help <name> system=<SYSTEM> -->`. The build
// writes the fragment in the marker's place (its leading comment dropped, {{SYSTEM}} replaced), so
// Node-RED's editor shows whole help texts while the repository keeps one copy.
import { readFileSync } from "node:fs";
import { join } from "node:path";

const MARKER = /^[ \t]*<!-- lsync-help ([a-z0-9-]+) system=([A-Z0-9_]+) -->[ \t]*$/gm;

/** The help text with every marker replaced by its fragment; a marker naming no fragment is an error. */
export function expandHelp(html, fragmentsDir) {
  return html.replace(MARKER, (_line, name, system) => {
    let fragment;
    try {
      fragment = readFileSync(join(fragmentsDir, `${name}.html`), "utf8");
    } catch {
      throw new Error(`help fragment "${name}" not found in ${fragmentsDir}`);
    }
    return fragment.replace(/^<!--[\s\S]*?-->\n/, "").replace(/\{\{SYSTEM\}\}/g, system).replace(/\n$/, "");
  });
}
