"""requestflow: handler wiring only. Every handler parses its event, calls chalicelib, shapes the answer."""
from chalice import Chalice

from chalicelib import entrypoints

app = Chalice(app_name="requestflow")


@app.route("/form", methods=["GET"])
def form_page():
    return entrypoints.form_page(app.current_request)


@app.route("/requests", methods=["POST", "OPTIONS"],
           content_types=["application/json", "application/x-www-form-urlencoded",
                          "multipart/form-data", "text/plain"])
def post_request():
    return entrypoints.post_request(app.current_request, app.lambda_context)


@app.route("/requests", methods=["GET"])
def requests_page():
    return entrypoints.requests_page(app.current_request)


@app.route("/status/{token}", methods=["GET"])
def request_status(token):
    return entrypoints.status_page(app.current_request, token)


@app.route("/act/{token}", methods=["GET"])
def action_page(token):
    return entrypoints.action_page(app.current_request, token)


@app.route("/act/{token}", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
def action_post(token):
    return entrypoints.action_post(app.current_request, token)


@app.on_sqs_message(queue=entrypoints.TASK_QUEUE, batch_size=1)
def on_task_message(event):
    return entrypoints.task_messages([record.to_dict() for record in event], event.context)


@app.on_sns_message(topic=entrypoints.INBOUND_TOPIC)
def on_inbound_mail(event):
    return entrypoints.inbound_mail(event.to_dict(), event.context)


@app.schedule("rate(5 minutes)")
def send_outbox(event):
    return entrypoints.send_outbox(event.context)
