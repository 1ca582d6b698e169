import { idealSchedule, type ScheduleSettings } from './ideal-schedule';

const settings = (overrides: Partial<ScheduleSettings>): ScheduleSettings => ({
  filesInFlight: 1,
  batchSize: 20,
  slots: 4,
  roundTripMs: 150,
  batchesPerFile: 5,
  ...overrides,
});

describe('idealSchedule', () => {
  it("sends a file's batches side by side: 45 chunks in three requests, one round trip", () => {
    expect(idealSchedule([45], settings({}))).toEqual({ wallMs: 150, requests: 3, inputs: 45 });
  });

  it('keeps a file to its batches out at once: the third pair waits for the first', () => {
    expect(idealSchedule([100], settings({ batchesPerFile: 2 }))).toEqual({ wallMs: 450, requests: 5, inputs: 100 });
  });

  it('holds every request to the slots', () => {
    expect(idealSchedule([100], settings({ slots: 2 }))).toEqual({ wallMs: 450, requests: 5, inputs: 100 });
  });

  it("puts several files' chunks in one request when they wait together", () => {
    expect(idealSchedule([5, 5, 5], settings({ filesInFlight: 3, slots: 1 }))).toEqual({ wallMs: 150, requests: 1, inputs: 15 });
  });

  it('starts the next file only when one ends, so few files in flight leave requests small', () => {
    expect(idealSchedule([1, 1, 1, 1], settings({ filesInFlight: 2 }))).toEqual({ wallMs: 300, requests: 2, inputs: 4 });
  });

  it('cuts a request where it is full and sends the rest of the batch first in the next', () => {
    // 15 + 15 texts with 20 per request and one slot: 20, then the 10 left.
    expect(idealSchedule([15, 15], settings({ filesInFlight: 2, slots: 1 }))).toEqual({ wallMs: 300, requests: 2, inputs: 30 });
  });

  it('spends nothing on a file without chunks', () => {
    expect(idealSchedule([0, 3, 0], settings({}))).toEqual({ wallMs: 150, requests: 1, inputs: 3 });
    expect(idealSchedule([], settings({}))).toEqual({ wallMs: 0, requests: 0, inputs: 0 });
  });
});
