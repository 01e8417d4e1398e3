// Calling another service through the one door: ClearBlade.Code().execute(name, params, loggingEnabled, cb).
function Chained(req, resp) {
  ClearBlade.Code().execute('Adder', { lhs: req.params.x, rhs: 1 }, false, function (err, data) {
    if (err) resp.error(data);
    resp.success({ incremented: data });
  });
}
