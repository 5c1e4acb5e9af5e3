"""One room per paper: ``wan2019`` (sound to scene images), ``chen2017`` (instruments), ``liu_v2ra`` (video to raw
audio). Rooms import the shared layers below them; nothing below imports a room."""
