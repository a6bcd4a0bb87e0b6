"""Information sessions in the chat: book, cancel, change date. Thin adapters
over bot.booking: the parsing and the texts built from data live in
bot/booking/dialogue.py, the sentences in domain/booking.yml (``utter_*``)."""
from actions.booking.book import ActionAskBookingConfirmed, ActionBookSession, ValidateBookingForm
from actions.booking.manage import (ActionAskCancelConfirmed, ActionCancelBooking, ActionChangeBooking,
                                    ActionStopBooking, ValidateCancelBookingForm,
                                    ValidateChangeBookingForm)
from actions.booking.sessions import ActionAskBookingSessionId, ActionAskBookingWhere

__all__ = ["ActionAskBookingConfirmed", "ActionAskBookingSessionId", "ActionAskBookingWhere",
           "ActionAskCancelConfirmed", "ActionBookSession", "ActionCancelBooking", "ActionChangeBooking",
           "ActionStopBooking", "ValidateBookingForm", "ValidateCancelBookingForm",
           "ValidateChangeBookingForm"]
