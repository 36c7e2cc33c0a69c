import { conformanceSuite } from './conformance.ts';
import { momoHarness } from './harnesses/momo.ts';
import { sandboxHarness } from './harnesses/sandbox.ts';
import { vietqrHarness } from './harnesses/vietqr.ts';
import { vnpayHarness } from './harnesses/vnpay.ts';

// One line per provider: its adapter and simulator run the same shared suite.
conformanceSuite(sandboxHarness());
conformanceSuite(vnpayHarness());
conformanceSuite(momoHarness());
conformanceSuite(vietqrHarness());
