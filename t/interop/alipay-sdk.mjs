// The official Alipay SDK (npm alipay-sdk, test-only) against our
// stand-in, so our reading of the protocol is the provider's, not only
// ours. The stand-in checks requests and signs answers with libuc's
// uc_alipay.c, the code the backend signs requests and checks answers
// with:
//   - the SDK signs requests its way: the stand-in (our code) accepts them,
//     and refuses them signed with another key;
//   - the SDK checks answers its way (validateSign): it accepts ours,
//     "\/" escapes included, and refuses a tampered one and one signed
//     with another key.
// The SDK answers in camelCase (its default). Prints TAP. Run by tools/test.sh with the stack's stand-in up:
//   UC_INTEROP_DIR (node_modules), UC_RUN_DIR (keys), UC_STANDIN_PORT.
// The SDK writes its timestamp in the machine's time zone; Alipay's is
// Beijing's, so this runs with TZ=Asia/Shanghai, as a server in China.

import { readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';

const { AlipaySdk } = await import(
    `${process.env.UC_INTEROP_DIR}/node_modules/alipay-sdk/dist/esm/index.js`);

const standin = `http://127.0.0.1:${process.env.UC_STANDIN_PORT}`;
const keys = `${process.env.UC_RUN_DIR}/social`;
const appId = '2021000000000001';
const tag = process.pid.toString(16);

let n = 0;
let failed = 0;
function ok(cond, what) {
    n++;
    if (!cond) failed++;
    console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${what}`);
}

async function mint(user) {
    const r = await fetch(`${standin}/_standin/code?provider=alipay&appid=${appId}&user=${user}-${tag}`,
                          { method: 'POST' });
    return r.text();
}

async function fails(promise) {
    try { await promise; return null; } catch (e) { return e; }
}

const config = {
    appId,
    privateKey: readFileSync(`${keys}/alipay-app-private.pem`, 'ascii'),
    alipayPublicKey: readFileSync(`${keys}/standin-alipay-public.pem`, 'ascii'),
    gateway: `${standin}/gateway.do`,
    keyType: 'PKCS8',
    timeout: 5000,
};
const sdk = new AlipaySdk(config);

// 1. the SDK's request signature passes our check; our answer passes its
const token = await sdk.exec('alipay.system.oauth.token',
    { grantType: 'authorization_code', code: await mint('alice') },
    { validateSign: true });
ok(/^2088\d{12}$/.test(token.userId ?? ''), `oauth.token signed by the SDK, answer verified by the SDK: user_id ${token.userId}`);
ok(typeof token.openId === 'string' && token.openId.length > 10, 'and an open_id');
ok(typeof token.accessToken === 'string', 'and an access token');

const info = await sdk.exec('alipay.user.info.share',
    { authToken: token.accessToken }, { validateSign: true });
ok(info.code === '10000' && info.userId === token.userId, 'user.info.share verified by the SDK');
ok(info.avatar?.startsWith('https://tfs.alipayobjects.com/'),
   'over the bytes as sent: the "\\/" escapes of the avatar URL');

// 2. the same code again: Alipay's refusal, isv.code-invalid
const used = await fails(sdk.exec('alipay.system.oauth.token',
    { grantType: 'authorization_code', code: 'nosuchcode' }));
ok(used === null, 'an unknown code is answered (error_response, no throw without validateSign)');
const refused = await sdk.exec('alipay.system.oauth.token',
    { grantType: 'authorization_code', code: 'nosuchcode' });
ok(refused.subCode === 'isv.code-invalid', `an unknown code: ${refused.subCode}`);

// 3. signed with a key that is not the app's: our check refuses it
const { privateKey: stranger } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const forger = new AlipaySdk({ ...config,
    privateKey: stranger.export({ type: 'pkcs8', format: 'pem' }) });
const forged = await forger.exec('alipay.system.oauth.token',
    { grantType: 'authorization_code', code: await mint('bob') });
ok(forged.subCode === 'isv.invalid-signature',
   `a request signed with another key: ${forged.subCode}`);

// 4. answers the SDK must refuse: changed after signing, signed by another key
for (const who of ['tamper', 'badsig']) {
    const e = await fails(sdk.exec('alipay.system.oauth.token',
        { grantType: 'authorization_code', code: await mint(who) },
        { validateSign: true }));
    ok(e !== null && /验签失败/.test(e.message), `the SDK refuses our ${who}-* answer too`);
}

// 5. the SDK's clock in UTC (not Beijing's): refused as Alipay would
process.env.TZ = 'UTC';
const late = await new AlipaySdk(config).exec('alipay.system.oauth.token',
    { grantType: 'authorization_code', code: await mint('carol') });
ok(late.subCode === 'isv.invalid-timestamp',
   `a timestamp eight hours off: ${late.subCode}`);

console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
