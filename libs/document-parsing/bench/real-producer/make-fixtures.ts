/**
 * Makes the real-producer PDF corpus the text-quality test and benchmark read: OpenDocument
 * sources written here, converted to PDF by LibreOffice (not by our own builders), and poppler's
 * pdftotext output of each as the reference text. The PDFs and references are committed, so the
 * tests need neither LibreOffice nor poppler; run this again only to change the corpus.
 *
 *   apt-get install -y --no-install-recommends libreoffice-writer-nogui poppler-utils fonts-dejavu-core
 *   node -r @swc-node/register libs/document-parsing/bench/real-producer/make-fixtures.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const here = __dirname;
const SOFT_HYPHEN = '\u00ad';

/** Soft hyphens between the syllables of long words (every few letters), where LibreOffice may break a line and print a hyphen. */
function hyphenable(text: string): string {
  return text.replace(/\p{L}{9,}/gu, (word) => {
    const parts: string[] = [];
    for (let i = 0; i < word.length; i += 4) parts.push(word.slice(i, i + 4));
    if (parts.length > 1 && parts[parts.length - 1].length < 3) parts[parts.length - 2] += parts.pop();
    return parts.join(SOFT_HYPHEN);
  });
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const LATIN = [
  'Pellentesque habitant morbi tristique senectus et netus et malesuada fames ac turpis egestas. Vestibulum convallis consectetur scelerisque, sollicitudin pellentesque ullamcorper condimentum.',
  'The maintenance documentation distinguishes preventative inspections from extraordinary interventions, and the superintendent countersigns every authorisation before implementation.',
  'Hydroelectricity installations require uninterrupted instrumentation: temperature, vibration, pressurisation and lubrication measurements are continuously characterised and reconciled.',
  'Notwithstanding considerable administrative complications, the infrastructure modernisation programme delivered telecommunications, electrification and decontamination improvements.',
  'Vivamus suscipit tortor eget felis porttitor volutpat. Curabitur aliquet quam id dui posuere blandit; praesent sapien massa, convallis a pellentesque nec, egestas non nisi.',
  'Responsibilities for documentation, standardisation and interoperability verification were transferred to the internationally accredited certification laboratory.',
];

const LIGATURES = [
  'The ofﬁce ﬁles were ﬂagged for the ﬁnal audit; efﬁcient workﬂows and afﬁrmative ﬁndings ﬁlled the ﬁrst ﬂoor.',
  'Fluid flows through the filter; the official figures confirm the finding that efficiency affects every office.',
  'Suﬃcient staﬀ were aﬀected by the diﬀerent traﬃc ﬂows; the ﬁre oﬃcer ﬁnished the ﬁnal ﬁeld report.',
];

const ARABIC = [
  'مرحبا بكم في محطة الضخ على الضفة الشمالية للنهر.',
  'يقوم المشغلون بفحص مقاييس الضغط مرتين في كل وردية ويسجلون كل قراءة.',
  'تدفع الفواتير خلال ثلاثين يوما وتطبق رسوم التأخير بعد ستين يوما.',
  'تتناوب أشرطة النسخ الاحتياطي كل يوم جمعة وتحفظ خارج الموقع لمدة عام.',
];

interface Source {
  name: string;
  columns: number;
  paragraphs: Array<{ text: string; rtl?: boolean }>;
}

const SOURCES: Source[] = [
  { name: 'two-columns-hyphenated', columns: 2, paragraphs: [...LATIN, ...LATIN.slice().reverse(), ...LATIN].map((text) => ({ text: hyphenable(text) })) },
  { name: 'three-columns', columns: 3, paragraphs: [...LATIN, ...LATIN].map((text) => ({ text: hyphenable(text) })) },
  { name: 'ligatures', columns: 1, paragraphs: [...LIGATURES, ...LIGATURES].map((text) => ({ text })) },
  { name: 'arabic-and-english', columns: 1, paragraphs: ARABIC.flatMap((text, i) => [{ text, rtl: true }, { text: LATIN[i] }]) },
];

function fodt(source: Source): string {
  const body = source.paragraphs.map((p) => `<text:p text:style-name="${p.rtl ? 'Rtl' : 'Ltr'}">${escapeXml(p.text)}</text:p>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:font-face-decls>
<style:font-face style:name="DejaVu Serif" svg:font-family="'DejaVu Serif'"/>
<style:font-face style:name="DejaVu Sans" svg:font-family="'DejaVu Sans'"/>
</office:font-face-decls>
<office:styles>
<style:default-style style:family="paragraph">
<style:paragraph-properties fo:text-align="justify" fo:margin-bottom="0.2cm"/>
<style:text-properties style:font-name="DejaVu Serif" fo:font-size="10pt" fo:language="en" fo:country="US" style:font-name-complex="DejaVu Sans" style:font-size-complex="10pt" style:language-complex="ar" style:country-complex="EG"/>
</style:default-style>
</office:styles>
<office:automatic-styles>
<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="2cm" fo:margin-bottom="2cm" fo:margin-left="2cm" fo:margin-right="2cm"><style:columns fo:column-count="${source.columns}" fo:column-gap="0.8cm"/></style:page-layout-properties></style:page-layout>
<style:style style:name="Ltr" style:family="paragraph"><style:paragraph-properties style:writing-mode="lr-tb"/></style:style>
<style:style style:name="Rtl" style:family="paragraph"><style:paragraph-properties style:writing-mode="rl-tb" fo:text-align="end"/></style:style>
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1"/></office:master-styles>
<office:body><office:text>
${body}
</office:text></office:body>
</office:document>
`;
}

const profile = mkdtempSync(join(tmpdir(), 'lo-profile-'));
try {
  for (const source of SOURCES) {
    const fodtPath = join(here, `${source.name}.fodt`);
    writeFileSync(fodtPath, fodt(source));
    execFileSync('libreoffice', [`-env:UserInstallation=file://${profile}`, '--headless', '--convert-to', 'pdf', '--outdir', here, fodtPath], { stdio: 'inherit' });
    execFileSync('pdftotext', ['-enc', 'UTF-8', join(here, `${source.name}.pdf`), join(here, `${source.name}.pdftotext.txt`)], { stdio: 'inherit' });
  }
} finally {
  rmSync(profile, { recursive: true, force: true });
}
