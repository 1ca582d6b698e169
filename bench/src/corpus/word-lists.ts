/** Vocabulary of the sentence generator: plain business and engineering prose, as manuals and reports read. */
export const WORDS = {
  nouns: [
    'engineer', 'auditor', 'committee', 'supplier', 'customer', 'technician', 'manager', 'analyst', 'inspector', 'operator',
    'report', 'invoice', 'contract', 'schedule', 'budget', 'policy', 'procedure', 'checklist', 'ledger', 'forecast',
    'pump', 'valve', 'turbine', 'compressor', 'sensor', 'generator', 'conveyor', 'boiler', 'transformer', 'filter',
    'warehouse', 'laboratory', 'workshop', 'terminal', 'depot', 'plant', 'office', 'harbour', 'substation', 'archive',
    'shipment', 'inventory', 'request', 'estimate', 'incident', 'release', 'migration', 'backup', 'deployment', 'review',
    'database', 'network', 'dashboard', 'pipeline', 'firewall', 'cluster', 'gateway', 'scheduler', 'queue', 'index',
  ],
  people: [
    'Amira Haddad', 'Jonas Berg', 'Priya Natarajan', 'Tomasz Kowalski', 'Lucia Romero', 'Kenji Watanabe', 'Fatima Diallo',
    'Oliver Hughes', 'Ingrid Solberg', 'Mateo Silva', 'Chen Wei', 'Nadia Petrova', 'Samuel Okafor', 'Elena Rossi',
  ],
  adjectives: [
    'quarterly', 'annual', 'revised', 'preliminary', 'detailed', 'urgent', 'routine', 'critical', 'minor', 'external',
    'internal', 'regional', 'temporary', 'permanent', 'redundant', 'encrypted', 'outdated', 'updated', 'faulty', 'reliable',
    'northern', 'southern', 'primary', 'secondary', 'shared', 'dedicated', 'manual', 'automated', 'unexpected', 'scheduled',
  ],
  pastVerbs: [
    'inspected', 'approved', 'rejected', 'replaced', 'calibrated', 'documented', 'reviewed', 'signed', 'archived', 'updated',
    'repaired', 'tested', 'shipped', 'received', 'cancelled', 'delayed', 'migrated', 'restarted', 'monitored', 'audited',
  ],
  presentVerbs: [
    'requires', 'includes', 'describes', 'limits', 'covers', 'replaces', 'affects', 'supports', 'protects', 'records',
    'measures', 'controls', 'reduces', 'extends', 'triggers', 'delays', 'improves', 'summarises', 'lists', 'references',
  ],
  adverbs: ['carefully', 'quickly', 'twice', 'again', 'promptly', 'partially', 'fully', 'briefly', 'manually', 'remotely', 'silently', 'reluctantly'],
  prepositions: ['in', 'near', 'behind', 'beside', 'inside', 'outside', 'above', 'below', 'across', 'towards'],
  times: [
    'on Monday', 'before noon', 'after the storm', 'during the night shift', 'at the end of March', 'in early autumn',
    'last week', 'within two days', 'before the audit', 'after the holidays', 'in the third quarter', 'at dawn',
  ],
  connectives: ['However', 'Meanwhile', 'As a result', 'In addition', 'For this reason', 'Later', 'Afterwards', 'In practice', 'Unfortunately', 'Fortunately'],
  headings: [
    'Overview', 'Scope', 'Responsibilities', 'Procedure', 'Safety notes', 'Maintenance', 'Findings', 'Recommendations',
    'Budget', 'Timeline', 'Open questions', 'Appendix', 'Background', 'Risks', 'Decisions', 'Next steps',
  ],
} as const;
