/** The product version, kept in step with package.json by the build (esbuild define) and tests. */
declare const __AOP_VERSION__: string | undefined;
export const VERSION: string =
  typeof __AOP_VERSION__ === 'string' ? __AOP_VERSION__ : (require('../../package.json') as { version: string }).version;
