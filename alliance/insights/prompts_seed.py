"""The project's own prompt library, written for Alliance (themes from DOMAIN.md section 4).

Admins copy these into their organization and edit them; the seeds themselves stay unchanged.
"""

from __future__ import annotations

SEED_PROMPTS: dict[str, list[str]] = {
    "risk_unanswered": [
        "One question was left blank: thoughts that you would be better off dead or of hurting "
        "yourself. Could we go through it together now?",
        "Sometimes that question is hard to answer on a form. How have things been for you?",
        "Follow your clinic's risk procedure and write down what you agreed together.",
    ],
    "risk": [
        "Your answer about thoughts of being better off dead or of hurting yourself matters to "
        "me. Can we talk about it now, before anything else?",
        "How often have these thoughts come up in the last two weeks, and how strong are they?",
        "Have you thought about how you might act on them, or taken any steps?",
        "What has helped you stay safe so far, and who could you contact if it gets worse?",
        "Follow your clinic's risk procedure and write down what you agreed together.",
    ],
    "drop": [
        "Today's check-in was lower than usual. I'd like to hear what felt different this time.",
        "Was there a moment today when you felt I missed something, or didn't quite get it?",
        "How easy would it be for you to tell me if something I did wasn't helpful?",
        "If we could change one thing about how we work together, what would it be?",
    ],
    "subscale_drop": [
        "It looks like we may not be working on what matters most to you right now. Is that so?",
        "Let me check I have it right: what would you like to get out of our sessions now?",
        "There are a few ways we could use our time: which would suit you best?",
        "Did the way we worked today feel useful, or would you prefer a different approach?",
    ],
    "unrepaired": [
        "A few sessions ago something seemed to shift between us. Can we come back to it?",
        "I'd like to understand my part in it. What was that session like from your side?",
        "Thank you for telling me. What would help us get back on track together?",
        "How would you like me to check in with you if something like this happens again?",
    ],
    "low_alliance": [
        "Your ratings tell me our work isn't feeling right yet. What would make it better?",
        "Are we working on the things you came here for?",
        "What makes it hard to say when you disagree with me, and how could I make it easier?",
        "Would it help to talk about the differences between us and how they show up here?",
    ],
    "weak_early_alliance": [
        "We're at the start of our work together. How is it going for you so far?",
        "What would need to happen in these sessions for them to feel worth your time?",
        "Are we working on what you came here for, in a way that suits you?",
        "Is there anything about me or how I work that makes this harder for you?",
        "You can tell me if something isn't working; I'd rather know now.",
    ],
    "overestimation": [
        "I may see our sessions more positively than you do. Could you tell me how they feel to "
        "you?",
        "What is one thing I could do differently that would make a difference for you?",
        "Before we finish today, could we take a minute on how this session went for you?",
        "Notice what you expect the client to say before you read their ratings.",
    ],
    "split": [
        "You two seem to be experiencing our sessions quite differently. Can each of you say "
        "how they feel to you?",
        "What would each of you need from me to feel these sessions are for you too?",
        "Is there something one of you finds hard to say when the other is here?",
        "How could we share the time so that both of you feel heard?",
    ],
    "not_on_track": [
        "We've been meeting for a while and things haven't changed as much as we'd hoped. How "
        "does that sit with you?",
        "Shall we look at the goals again together: are they still the right ones?",
        "Is there something about how we work that could be changed or tried differently?",
        "Would it help to bring in something else alongside our sessions?",
    ],
    "deterioration": [
        "Your scores suggest things have got harder recently. What has been happening?",
        "Is anything about our work making things harder for you at the moment?",
        "What support do you have outside our sessions right now?",
        "Consider discussing this client in supervision this week.",
    ],
    "goal_agreement": [
        "You rated this goal as less right for you than before. What has changed?",
        "Let me check I have it right: what would you most like to get out of our work now?",
        "Shall we reword the goal together, set it aside, or add a different one?",
        "Is there a goal you've had in mind that we haven't written down yet?",
    ],
    "goal_progress": [
        "You feel less progress on this goal than last time. What has been getting in the way?",
        "Is the way we are working on it still the right approach for you?",
        "There are a few things we could try instead — which would suit you best?",
        "What would a small step forward look like before we next meet?",
    ],
}
