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



@app.route("/staff/signin", methods=["GET"])
def staff_signin_page():
    return entrypoints.staff_signin_page(app.current_request)


@app.route("/staff/signin", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
def staff_signin_request():
    return entrypoints.staff_signin_request(app.current_request)


@app.route("/staff/signin/{token}", methods=["GET"])
def staff_signin(token):
    return entrypoints.staff_signin(app.current_request, token)


@app.route("/staff/work", methods=["GET"])
def staff_work():
    return entrypoints.staff_work(app.current_request)


@app.route("/staff/requests/{request_id}", methods=["GET"])
def staff_request(request_id):
    return entrypoints.staff_request(app.current_request, request_id)


@app.route("/staff/requests/{request_id}/notes", methods=["POST"],
           content_types=["application/x-www-form-urlencoded"])
def staff_add_note(request_id):
    return entrypoints.staff_add_note(app.current_request, request_id)


@app.route("/staff/requests/{request_id}/replies", methods=["POST"],
           content_types=["application/x-www-form-urlencoded"])
def staff_send_reply(request_id):
    return entrypoints.staff_send_reply(app.current_request, request_id)


@app.route("/staff/requests/{request_id}/route", methods=["POST"],
           content_types=["application/x-www-form-urlencoded"])
def staff_route_action(request_id):
    return entrypoints.staff_route_action(app.current_request, request_id)


@app.on_sns_message(topic=entrypoints.INBOUND_TOPIC)
def on_inbound_mail(event):
    return entrypoints.inbound_mail(event.to_dict(), event.context)


@app.schedule("rate(5 minutes)")
def send_outbox(event):
    return entrypoints.send_outbox(event.context)


@app.on_sns_message(topic=entrypoints.FEEDBACK_TOPIC)
def on_mail_feedback(event):
    return entrypoints.mail_feedback(event.to_dict(), event.context)


@app.schedule("rate(5 minutes)")
def sla_scan(event):
    return entrypoints.sla_scan(event.context)


@app.route("/sla/reassign/{token}", methods=["GET"])
def sla_reassign_page(token):
    return entrypoints.sla_reassign_page(app.current_request, token)


@app.route("/sla/reassign/{token}", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
def sla_reassign_post(token):
    return entrypoints.sla_reassign_post(app.current_request, token)


@app.route("/survey/{token}", methods=["GET"])
def survey_page(token):
    return entrypoints.survey_page(app.current_request, token)


@app.route("/survey/{token}", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
def survey_post(token):
    return entrypoints.survey_post(app.current_request, token)


@app.schedule("rate(1 hour)")
def close_and_survey(event):
    return entrypoints.close_and_survey(event.context)


@app.route("/staff/digest", methods=["GET"])
def staff_digest():
    return entrypoints.staff_digest(app.current_request)


@app.route("/staff/board", methods=["GET"])
def staff_board():
    return entrypoints.staff_board(app.current_request)


@app.route("/staff/board/list", methods=["GET"])
def staff_board_list():
    return entrypoints.staff_board_list(app.current_request)


@app.schedule("rate(15 minutes)")
def kpi_digest(event):
    return entrypoints.kpi_digest(event.context)
