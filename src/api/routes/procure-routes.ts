import ExcelJS from 'exceljs';
import { z } from 'zod';
import { assessCandidate } from '../../procure/assess-candidate.js';
import { CandidateError, parseCandidate } from '../../procure/candidate.js';
import { mds2FromWorkbook, type Mds2Form } from '../../procure/mds2-reader.js';
import { renderHtml } from '../../procure/procurement-report.js';
import { parseSbom, type Sbom } from '../../procure/sbom-reader.js';
import { ApiError, type RouteTable } from '../api-route.js';
import type { ServerServices } from '../server.js';

/** Secure before procure: a candidate device assessed against this hospital from its MDS2 form and SBOM. */
export function procureRoutes(routes: RouteTable, s: ServerServices): void {
  routes.add({
    method: 'POST',
    url: '/api/procure/assess',
    role: 'analyst',
    tag: 'procurement',
    summary: 'Assess a device before it is bought: vulnerabilities of the model and its SBOM, projected risk and rank in this hospital, MDS2 gaps with controls and contract clauses, a secure configuration guideline, declared vs observed',
    body: z.object({
      candidate: z.record(z.string(), z.unknown()).describe('the candidate file\'s fields: vendor, model, softwareVersion, category, site, zone, peers, count, listens'),
      mds2Base64: z.string().max(2_000_000).optional().describe('the MDS2 worksheet (XLSX), base64'),
      sbom: z.union([z.record(z.string(), z.unknown()), z.string().max(2_000_000)]).optional().describe('CycloneDX or SPDX JSON'),
    }),
    handler: async ({ body, request }) => {
      let candidate;
      let mds2: Mds2Form | undefined;
      let sbom: Sbom | undefined;
      try {
        candidate = parseCandidate(JSON.stringify(body.candidate), 'candidate', new Set(s.taxonomy.categories.map((c) => c.id)));
        if (body.mds2Base64) {
          const wb = new ExcelJS.Workbook();
          await wb.xlsx.load(Buffer.from(body.mds2Base64, 'base64') as never);
          mds2 = mds2FromWorkbook(wb, 'mds2');
        }
        if (body.sbom) sbom = parseSbom(typeof body.sbom === 'string' ? body.sbom : JSON.stringify(body.sbom), 'sbom');
      } catch (err) {
        throw new ApiError(400, 'bad-request', err instanceof CandidateError ? err.message : `${(err as Error).message}`);
      }
      request.auditDetail = { vendor: candidate.vendor, model: candidate.model, mds2: !!mds2, sbom: !!sbom };
      const report = await assessCandidate(s.store, candidate, mds2, sbom);
      return { report, html: renderHtml(report) };
    },
  });
}
