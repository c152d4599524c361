// The imported documents as YAML files: times of day quoted (a YAML 1.1 reader such as Helm's would
// read 22:00 as a number), short lists such as days in flow style, and a header saying where the
// file came from. Pure.
import { Document, isMap, isPair, isScalar, isSeq, Scalar, visit } from 'yaml';
import type { ImportResult } from './kured-import.ts';

function yamlOf(value: unknown, header: string): string {
  const doc = new Document(value);
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && /^\d{2}:\d{2}$/.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
    Seq(_, node) {
      if (node.items.every((i) => isScalar(i)) && node.items.length <= 8) node.flow = true;
    },
    Pair(_, pair) {
      // Label selectors' values lists and tolerations stay readable in flow style when short.
      if (isPair(pair) && isMap(pair.value) && isScalar(pair.key) && pair.key.value === 'secretKeyRef')
        pair.value.flow = true;
      if (isPair(pair) && isSeq(pair.value) && isScalar(pair.key) && pair.key.value === 'values')
        pair.value.flow = true;
    },
  });
  doc.commentBefore = header;
  return doc.toString({ lineWidth: 0 });
}

export interface ImportFiles {
  readonly fleet: string;
  readonly policy: string;
  /** Present only when kured ran host commands patchwindow needs in its install settings. */
  readonly install?: string;
}

export function importFiles(result: ImportResult, sources: readonly string[]): ImportFiles {
  const from = ` Imported from kured (${sources.join(', ')}) by patchwindow import-kured.`;
  const { reboot, sentinel } = result.install;
  const hasCommands = Object.keys(reboot).length > 0 || Object.keys(sentinel).length > 0;
  const install = hasCommands
    ? yamlOf(
        {
          apiVersion: 'patchwindow.io/v1alpha1',
          kind: 'InstallSettings',
          commands: {
            ...(Object.keys(reboot).length > 0 ? { reboot } : {}),
            ...(Object.keys(sentinel).length > 0 ? { sentinel } : {}),
          },
        },
        `${from}\n Install settings: give this file to whoever installs patchwindow (--install-settings);\n never commit it to the policy repository.`,
      )
    : undefined;
  return {
    fleet: yamlOf(result.fleet, from),
    policy: yamlOf(result.policy, `${from}\n The report of the import says what each kured setting became.`),
    ...(install !== undefined ? { install } : {}),
  };
}
