import { generateKeyPairSync } from 'node:crypto';
import { plainAddPlaceholder } from '@signpdf/placeholder-plain';
import { P12Signer } from '@signpdf/signer-p12';
import { SignPdf } from '@signpdf/signpdf';
import { SUBFILTER_ETSI_CADES_DETACHED } from '@signpdf/utils';
import forge from 'node-forge';

/** An agency's signing identity: its PKCS#12 file and the password that opens it. */
export interface ReceiptSigner {
  p12: Buffer;
  password: string;
}

export class ReceiptSignerError extends Error {}

/** The certificate's subject common name; throws ReceiptSignerError when the file or password is wrong. */
export function signerName(signer: ReceiptSigner): string {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(signer.p12.toString('binary')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, signer.password);
  } catch (error) {
    throw new ReceiptSignerError(`not a PKCS#12 file or wrong password (${(error as Error).message})`);
  }
  const bags = (type: string) => p12.getBags({ bagType: type })[type] ?? [];
  const certs = bags(forge.pki.oids.certBag as string);
  const keys = bags(forge.pki.oids.pkcs8ShroudedKeyBag as string);
  const cert = certs[0]?.cert;
  if (!cert || keys.length === 0)
    throw new ReceiptSignerError('the PKCS#12 file holds no certificate with its key');
  const now = new Date();
  if (cert.validity.notAfter < now)
    throw new ReceiptSignerError(`the certificate expired on ${cert.validity.notAfter.toISOString()}`);
  // forge keeps a UTF8String's bytes as they are.
  const cn = cert.subject.getField('CN') as { value?: string; valueTagClass?: number } | null;
  const value = String(cn?.value ?? '');
  return cn?.valueTagClass === forge.asn1.Type.UTF8 ? forge.util.decodeUtf8(value) : value;
}

/**
 * Signs a finished PDF (PAdES baseline: an ETSI.CAdES.detached CMS signature over SHA-256 of the
 * byte ranges), so that a PDF reader or poppler's pdfsig verifies it offline.
 */
export async function signReceiptPdf(
  pdf: Buffer,
  signer: ReceiptSigner,
  about: { name: string; reason: string; location: string; signingTime: Date },
): Promise<Buffer> {
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: pdf,
    reason: about.reason,
    contactInfo: '',
    name: about.name,
    location: about.location,
    signingTime: about.signingTime,
    subFilter: SUBFILTER_ETSI_CADES_DETACHED,
    appName: 'PayHub',
  });
  return new SignPdf().sign(
    withPlaceholder,
    new P12Signer(signer.p12, { passphrase: signer.password }),
    about.signingTime,
  );
}

/**
 * A self-signed certificate and key as PKCS#12, for the embedded demo's agency (never for live
 * receipts: a reader shows the signature as valid but the signer as unknown).
 */
export function selfSignedP12(commonName: string, password: string, years = 5): Buffer {
  // Node's key generation (native), handed to forge as PEM.
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keys = {
    privateKey: forge.pki.privateKeyFromPem(
      pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    ),
    publicKey: forge.pki.publicKeyFromPem(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
  };
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(8))}`;
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(Date.now() + years * 365 * 24 * 3600 * 1000);
  // ASCII only: node-forge re-encodes a parsed UTF8String name when it signs, and the signature's
  // issuer would then not match the certificate.
  const subject = [
    { name: 'commonName', value: asciiName(commonName) },
    { name: 'countryName', value: 'VN' },
    { name: 'organizationName', value: 'PayHub demo' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const p12 = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [cert], password, { algorithm: '3des' });
  return Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary');
}

/** "Sở Tư pháp" → "So Tu phap". */
export function asciiName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^\x20-\x7e]/g, '');
}
