// The two man pages and the docs they come from: reapd(8) from docs/cli.md, reapd.toml(5)
// from docs/configuration.md. `npm run man` writes them to man/; a test regenerates them
// and fails when the committed pages differ, so docs and man pages cannot drift.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readPackageVersion } from '../version.js';
import { renderManPage, type ManPage } from './markdown-to-roff.js';

/** dist/src/manpage/pages.js -> the package root (docs/ and man/ ship in the package). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface ManPageFile {
  /** file name under man/, e.g. "reapd.8" */
  file: string;
  /** the markdown source, relative to the package root */
  from: string;
  page: ManPage;
}

const SEE_ALSO_8 = '\n## See also\n\nreapd.toml(5), earlyoom(1), systemd-oomd(8), and docs/ in the package: architecture, triggers, policies, kill path, control socket, journal format, simulator.\n';
const SEE_ALSO_5 = '\n## See also\n\nreapd(8), and docs/policies.md and docs/triggers.md in the package.\n';

/** Reads the docs and renders both pages (deterministic: no dates). */
export function manPages(root = PACKAGE_ROOT): ManPageFile[] {
  const source = `reapd ${readPackageVersion()}`;
  const read = (rel: string): string => readFileSync(`${root}${rel}`, 'utf8');
  return [
    {
      file: 'reapd.8',
      from: 'docs/cli.md',
      page: { name: 'reapd', section: 8, source, summary: 'userspace low-memory killer: pressure triggers, priority and size policies, pidfd kills, process_mrelease reaping', markdown: read('docs/cli.md') + SEE_ALSO_8 },
    },
    {
      file: 'reapd.toml.5',
      from: 'docs/configuration.md',
      page: { name: 'reapd.toml', section: 5, source, summary: 'configuration file of reapd(8)', markdown: read('docs/configuration.md') + SEE_ALSO_5 },
    },
  ];
}

export function renderManPageFile(f: ManPageFile): string {
  return renderManPage(f.page);
}
