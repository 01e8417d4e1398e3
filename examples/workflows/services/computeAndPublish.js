/* eslint-disable @typescript-eslint/no-unused-vars, no-undef -- a ClearBlade service: the platform calls it and provides ClearBlade */
// Workflow 2 ("on invocation"): POST /api/v/1/code/{systemKey}/computeAndPublish with {"readings": [...]}.
// Computes a summary, publishes it on `results/summary` and answers {success: true, results: summary}.
function computeAndPublish(req, resp) {
  var readings = req.params.readings;
  if (!Array.isArray(readings) || readings.length === 0) {
    resp.error('readings must be a non-empty array of numbers');
    return;
  }
  var sum = 0;
  var max = -Infinity;
  var min = Infinity;
  for (var i = 0; i < readings.length; i++) {
    var v = Number(readings[i]);
    sum += v;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  var summary = { count: readings.length, mean: sum / readings.length, min: min, max: max };
  ClearBlade.Messaging().publish('results/summary', JSON.stringify(summary));
  resp.success(summary);
}
