/**
 * The parts of the A2A SDK (@a2a-js/sdk) we use, as one bundle of their own: dist/a2a-sdk.js,
 * required on the first use of any of its values (an A2A request to our server, an A2A member of
 * a cluster). Our code imports the SDK as usual; esbuild.mjs (`a2aSdkApart`) turns those imports
 * into lazy getters over this bundle. Nothing imports this file in the sources.
 */
export * as root from '@a2a-js/sdk';
export * as client from '@a2a-js/sdk/client';
export * as errors from '@a2a-js/sdk/errors';
export * as server from '@a2a-js/sdk/server';
