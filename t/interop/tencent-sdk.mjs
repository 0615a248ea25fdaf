// The official Tencent Cloud SDK (npm tencentcloud-sdk-nodejs-common,
// test-only) against our stand-in of faceid's IdCardVerification and
// ocr's VerifyBizLicenseEnterprise4, so our
// reading of TC3-HMAC-SHA256 is Tencent's, not only ours. The stand-in
// checks requests with libuc's uc_tc3.c, the code the backend signs its
// calls with:
//   - the SDK signs its way (the host without its port, the service from
//     the host's first label): the stand-in accepts it and answers;
//   - signed with another SecretKey, or by an unknown SecretId: refused
//     with Tencent's codes, which the SDK raises as errors.
// Prints TAP. Run by tools/interop.sh with the stack's stand-in up:
//   UC_INTEROP_DIR (node_modules), UC_RUN_DIR (keys), UC_STANDIN_PORT.

import { readFileSync } from 'node:fs';

const { default: sdk } = await import(
    `${process.env.UC_INTEROP_DIR}/node_modules/tencentcloud-sdk-nodejs-common/tencentcloud/index.js`);
const { CommonClient } = sdk;

const secretKey = readFileSync(`${process.env.UC_RUN_DIR}/social/tencent.secret`, 'ascii').trim();

let n = 0;
let failed = 0;
function ok(cond, what) {
    n++;
    if (!cond) failed++;
    console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${what}`);
}

function client(secretId, key, product = 'faceid', version = '2018-03-01') {
    return new CommonClient(`${product}.tencentcloudapi.com`, version, {
        credential: { secretId, secretKey: key },
        profile: { httpProfile: { endpoint: `127.0.0.1:${process.env.UC_STANDIN_PORT}`,
                                  protocol: 'http://', reqTimeout: 5 } },
    });
}

async function fails(promise) {
    try { await promise; return null; } catch (e) { return e; }
}

// a GB 11643 number the stand-in takes (it checks the length only)
const number = '11010519491231002X';

// 1. signed by the SDK: answered
const none = await client('AKIDstandin0001', secretKey)
    .request('IdCardVerification', { IdCard: number, Name: '无名' });
ok(none.Result === '-5', `IdCardVerification signed by the SDK: Result ${none.Result} (no record)`);
ok(/^[0-9a-f-]{36}$/.test(none.RequestId ?? ''), 'with a RequestId');

const match = await client('AKIDstandin0001', secretKey)
    .request('IdCardVerification', { IdCard: number, Name: '张三' });
ok(match.Result === '0', `a match: Result ${match.Result}`);

// the enterprise check, product ocr
const ent = await client('AKIDstandin0001', secretKey, 'ocr', '2018-11-19')
    .request('VerifyBizLicenseEnterprise4', { CreditCode: '91110000600037341L',
        EntName: '好商户有限公司', LrName: '张三', IdNum: number });
ok(ent.StatusCode === 0 && ent.VerifyResult === 1 && ent.OperatingStatus === '1',
   `VerifyBizLicenseEnterprise4 signed by the SDK: StatusCode ${ent.StatusCode}, VerifyResult ${ent.VerifyResult}`);

// 2. another SecretKey, an unknown SecretId: refused as Tencent refuses
const forged = await fails(client('AKIDstandin0001', `${secretKey}x`)
    .request('IdCardVerification', { IdCard: number, Name: '张三' }));
ok(forged?.code === 'AuthFailure.SignatureFailure',
   `signed with another SecretKey: ${forged?.code}`);

const stranger = await fails(client('AKIDsomeoneelse', secretKey)
    .request('IdCardVerification', { IdCard: number, Name: '张三' }));
ok(stranger?.code === 'AuthFailure.SecretIdNotFound',
   `an unknown SecretId: ${stranger?.code}`);

console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
