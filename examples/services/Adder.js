// Workflow 2 (on invocation): compute, publish the output, answer. `results` keeps its JSON type (7, not "7").
function Adder(req, resp) {
  var sum = req.params.lhs + req.params.rhs;
  ClearBlade.init({ request: req });
  ClearBlade.Messaging().publish('adder/result', JSON.stringify({ sum: sum }));
  log('added', req.params.lhs, 'and', req.params.rhs);
  resp.success(sum);
}
