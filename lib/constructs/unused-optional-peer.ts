// Bundled in place of optional peer packages SignalForge never loads (see lambda-bundles.ts). Importing
// it is harmless; using it fails loudly instead of the whole bundle failing at init.
const fail = (): never => {
  throw new Error(
    'This optional package is not bundled: SignalForge does not use it (see lib/constructs/lambda-bundles.ts).',
  );
};

export default new Proxy(fail, { get: fail, apply: fail, construct: fail });
