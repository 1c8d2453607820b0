"""Reports: what happened to an MCC's invitations in a day, week or month of the agency's
calendar (``periods``), computed from ExecutionHistory (``metrics``), drawn (``charts``) and
written out (``render``)."""
