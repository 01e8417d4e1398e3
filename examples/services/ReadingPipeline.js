// A service that does what real ClearBlade services do: takes a reading, stores it in a collection, keeps a
// running count per sensor in a shared cache, asks an outside HTTP service to calibrate it, and publishes
// the result. Needs (set up by a developer): a collection `readings` with columns sensor (string),
// value (float), calibrated (float); a cache `pipeline`; the calibration host in the system's HTTP
// allow-list when it is on a private or loopback address. Params: {sensor, value, calibrateUri}.
function ReadingPipeline(req, resp) {
  var reading = { sensor: String(req.params.sensor), value: Number(req.params.value) };
  if (!reading.sensor || isNaN(reading.value)) resp.error('need {sensor, value}');

  var cache = ClearBlade.Cache('pipeline');
  var readings = ClearBlade.Collection({ collectionName: 'readings' });

  // 1. Calibrate through the outside service (its answer: {"calibrated": number}).
  Requests().post(
    {
      uri: req.params.calibrateUri,
      body: JSON.stringify(reading),
      headers: { 'content-type': 'application/json' },
      timeout: 5,
    },
    function (err, body) {
      if (err) resp.error({ step: 'calibrate', error: err });
      reading.calibrated = JSON.parse(body).calibrated;
      // 2. Store it.
      readings.create(reading, function (err2, created) {
        if (err2) resp.error({ step: 'store', error: created });
        // 3. Count readings per sensor across runs (the cache outlives the run).
        var key = 'count:' + reading.sensor;
        cache.get(key, function (err3, n) {
          if (err3) resp.error({ step: 'count', error: n });
          var count = (n || 0) + 1;
          cache.set(key, count, function (err4, msg) {
            if (err4) resp.error({ step: 'count', error: msg });
            // 4. Publish the result for whoever listens.
            var result = {
              sensor: reading.sensor,
              value: reading.value,
              calibrated: reading.calibrated,
              item_id: created[0].item_id,
              count: count,
            };
            ClearBlade.Messaging().publish(
              'readings/' + reading.sensor + '/calibrated',
              JSON.stringify(result),
            );
            resp.success(result);
          });
        });
      });
    },
  );
}
